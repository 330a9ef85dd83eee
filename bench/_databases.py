"""The databases of bench/sync.py, bench/delete.py and bench/list_view.py: one named
database on the PostgreSQL server given by --database-url, else a file under
bench/results/data/, and cheap copies of one into another."""

from __future__ import annotations

import shutil

from bench._common import DATA, postgres_create_database, postgres_url, sqlite_url


class Database:
    """One bench database: `name` on the PostgreSQL server at server_url, else DATA/file."""

    def __init__(self, server_url: str, name: str, file: str):
        self.server_url, self.name, self.path = server_url, name, DATA / file
        self.url = postgres_url(server_url, name) if server_url else sqlite_url(self.path)

    def create_empty(self) -> None:
        """Drop it (or delete its file): the next connection starts on an empty one."""
        if self.server_url:
            postgres_create_database(self.server_url, self.name, drop=True)
        else:
            self.path.unlink(missing_ok=True)

    def copy_from(self, source: Database) -> None:
        """Replace it by a copy of source (a PostgreSQL template or a file copy)."""
        if self.server_url:
            postgres_create_database(self.server_url, self.name, drop=True, template=source.name)
        else:
            shutil.copyfile(source.path, self.path)
