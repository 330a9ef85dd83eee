"""How deep a JSON text nests, found before any parser reads it.

A streaming parser's memory grows with the square of the depth (60 KB of brackets took
2.2 GB), so every answer is checked first, mostly in C (regular expressions, translate),
slice by slice: a list answer spooled to disk is never held whole in memory.
"""

import re
from collections.abc import Iterable, Iterator
from itertools import accumulate

MAX_DEPTH = 64  # FinerWorks' records nest about five levels deep

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_STRING = re.compile(rb'"[^"]*"')
_PAIR = re.compile(rb"\[\]|\{\}")
_SIGN = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")  # +1 opens, -1 (signed) closes
_CLOSERS = b"]}"
SLICE = 8 * 1024 * 1024


def nesting_within(content: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text's brackets pair up and nest at most `limit` levels deep."""
    return nesting_within_chunks(_slices(content), limit)


def nesting_within_chunks(chunks: Iterable[bytes], limit: int = MAX_DEPTH) -> bool:
    """The same for a text read in pieces (of any size). Per piece: escapes go, then all
    but quotes and brackets, then the strings (one left open carries over to the next
    piece), then the brackets' running depth is checked and matched pairs removed; the
    brackets still open carry over (at most `limit` of them)."""
    still_open, in_string = b"", False
    for piece in _whole_escapes(chunks):
        structure = piece.translate(None, _NOT_STRUCTURE)
        if in_string:
            structure = b'"' + structure
        structure = structure.replace(b'""', b"")  # most strings hold no bracket
        brackets = _STRING.sub(b"", structure) if b'"' in structure else structure
        quote = brackets.find(b'"')
        in_string = quote >= 0  # a string runs on into the next piece
        if in_string:
            brackets = brackets[:quote]
        brackets = still_open + brackets
        if brackets:
            depths = list(accumulate(memoryview(brackets.translate(_SIGN)).cast("b")))
            if max(depths) > limit or min(depths) < 0:
                return False
        still_open = _without_pairs(brackets, limit)
        if still_open is None or any(c in _CLOSERS for c in still_open):
            return False
    return not still_open and not in_string


def _without_pairs(brackets: bytes, limit: int) -> bytes | None:
    """The brackets left once matched pairs are gone, innermost first (one level per
    pass); None if more than `limit` passes would be needed."""
    for _ in range(limit + 1):
        reduced = _PAIR.sub(b"", brackets)
        if reduced == brackets:
            return reduced
        brackets = reduced
    return None


def _whole_escapes(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The pieces with their escapes removed, an escape cut by a piece's end made whole."""
    carry = b""
    for chunk in chunks:
        piece = carry + bytes(chunk)
        carry = b""
        trailing = len(piece) - len(piece.rstrip(b"\\"))
        if trailing % 2:  # ends inside an escape: its backslash waits for the next piece
            piece, carry = piece[:-1], b"\\"
        yield _ESCAPE.sub(b"", piece) if b"\\" in piece else piece
    if carry:
        yield carry  # a lone backslash at the very end: not JSON, the parser says so


def _slices(content) -> Iterator[bytes]:
    for start in range(0, len(content), SLICE):
        yield content[start : start + SLICE]
