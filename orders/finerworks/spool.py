"""A list answer kept on disk, not in memory: the body as it came, and the orders read from
it. Both stay in memory up to a few megabytes (a deletion's small listings never touch the
disk) and go to a temporary file beyond, so a sync's memory does not grow with the shop."""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Iterator
from typing import NamedTuple

IN_MEMORY_UP_TO = 8 * 2**20
_CHUNK = 2**20
_HEADER = struct.Struct("<qII")  # fulfillment id, problem length, record length


class ListedOrder(NamedTuple):
    """One order of a list answer: its id, its record as canonical JSON (about a tenth of
    the memory of the parsed record), and why it cannot be mirrored ("" when it can)."""

    fulfillment_id: int
    record_json: bytes
    problem: str = ""


class Body:
    """An answer's bytes as they came, read back as often as needed."""

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_UP_TO)  # noqa: SIM115
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)
        self.size += len(chunk)

    def reader(self):
        """The body as a file, from its start (for a streaming parser)."""
        self._file.seek(0)
        return self._file

    def head(self, n: int) -> bytes:
        self._file.seek(0)
        return self._file.read(n)

    def chunks(self) -> Iterator[bytes]:
        self._file.seek(0)
        while chunk := self._file.read(_CHUNK):
            yield chunk

    def read_all(self) -> bytes:
        self._file.seek(0)
        return self._file.read()


class ListedOrders:
    """The orders of one list answer, in order, written once and read as often as needed
    (a sequence without the memory of one): `len`, iteration and `problems`."""

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_UP_TO)  # noqa: SIM115
        self._count = 0
        self.ids: set[int] = set()  # every id listed, mirrorable or not
        self.problems: list[tuple[int, str]] = []  # (id, why) of the unmirrorable ones

    def append(self, order: ListedOrder) -> None:
        problem = order.problem.encode()
        self._file.write(_HEADER.pack(order.fulfillment_id, len(problem), len(order.record_json)))
        self._file.write(problem)
        self._file.write(order.record_json)
        self._count += 1
        self.ids.add(order.fulfillment_id)
        if order.problem:
            self.problems.append((order.fulfillment_id, order.problem))

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[ListedOrder]:
        file = self._file
        file.seek(0)
        for _ in range(self._count):
            fid, problem_size, record_size = _HEADER.unpack(file.read(_HEADER.size))
            problem = file.read(problem_size).decode()
            yield ListedOrder(fid, file.read(record_size), problem)

    def __getitem__(self, index: int) -> ListedOrder:
        for i, order in enumerate(self):
            if i == index:
                return order
        raise IndexError(index)
