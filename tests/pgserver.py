"""A real PostgreSQL server for the tests and benches: Debian's binaries, initdb + pg_ctl in a
temporary directory, listening on 127.0.0.1 on a free port.

PostgreSQL refuses to run as root, and CI runs as root: then the server's files belong to the
``postgres`` system user (Debian's package creates it) and initdb/pg_ctl run as that user
(``subprocess`` switches user itself; no ``su``/``runuser`` needed). As any other user the
server runs as that user. pytest-postgresql was tried first: it runs pg_ctl as the current
user, so it cannot start a server as root.

Each test gets its own database, cloned from a template database that already holds the
schema (``CREATE DATABASE … TEMPLATE``: a file copy, milliseconds), so one server serves a
whole session.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

from tests.servers import free_port

SERVER_USER = "postgres"


def find_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding pg_ctl, or ``$REMINDER_PG_BIN``."""
    configured = os.environ.get("REMINDER_PG_BIN")
    if configured:
        return Path(configured) if (Path(configured) / "pg_ctl").exists() else None
    found = glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
    if not found:
        return None
    newest = max(found, key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(newest).parent


def missing_reason() -> str | None:
    """Why no server can be started here, or None when one can."""
    if find_bin_dir() is None:
        return (
            "PostgreSQL missing (/usr/lib/postgresql/*/bin/pg_ctl): install Debian's postgresql"
            " (./dev test and .ci/run do it as root)"
        )
    if os.getuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and there is no {SERVER_USER!r} user to run PostgreSQL as"
    return None


class PgServer:
    """One PostgreSQL cluster in a temporary directory; ``url(db)`` for connections."""

    def __init__(self, *, durable: bool = False) -> None:
        """``durable`` keeps PostgreSQL's crash-safety settings (fsync …) as a real server has
        them (benchmarks); tests turn them off for speed."""
        bin_dir = find_bin_dir()
        self.durable = durable
        if bin_dir is None:
            raise RuntimeError(missing_reason() or "PostgreSQL missing")
        self.bin_dir = bin_dir
        self.port = free_port()
        self.user = "reminder"
        self._names = itertools.count()
        self._uid: int | None = None
        self._gid: int | None = None
        if os.getuid() == 0:
            entry = pwd.getpwnam(SERVER_USER)
            self._uid, self._gid = entry.pw_uid, entry.pw_gid
        # /tmp itself, not pytest's tmp_path: the server user must be able to reach it.
        self.root = Path(tempfile.mkdtemp(prefix="reminder-pg-"))
        if self._uid is not None and self._gid is not None:
            os.chown(self.root, self._uid, self._gid)
        self.data = self.root / "data"
        self.template = ""  # a database holding the current schema, cloned for each test
        self._started = False

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.root,
            user=self._uid,
            group=self._gid,
            extra_groups=None if self._uid is None else [],
        )
        if done.returncode != 0:
            output = done.stderr or done.stdout
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {output}")

    def start(self) -> PgServer:
        """initdb (trust auth, superuser ``reminder``) and start; waits until it accepts."""
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        settings = [
            f"-p {self.port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.root}",
            "-c max_connections=200",
        ]
        if not self.durable:
            # A test server: durability is not what the tests check, speed is welcome.
            settings += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        options = " ".join(settings)
        self._run(
            "pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", "server.log",
            "-o", options,
        )  # fmt: skip
        self._started = True
        return self

    def stop(self) -> None:
        """Stop the server (immediate: nothing here needs keeping) and remove its directory."""
        try:
            if self._started:
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        finally:
            self._started = False
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """A libpq URL for ``database`` on this server."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); returns its name."""
        name = f"t{os.getpid()}_{next(self._names)}"
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query = sql.SQL("{} TEMPLATE {}").format(query, sql.Identifier(template))
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(query)
        return name

    def drop_database(self, name: str) -> None:
        """Drop ``name``, ending any session still connected to it."""
        query = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(query)

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
