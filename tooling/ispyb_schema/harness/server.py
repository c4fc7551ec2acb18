# SPDX-License-Identifier: LGPL-3.0-or-later
"""A scratch MariaDB for tests and commands.

:func:`provide_server` with a kind (``prefer="docker"``, ``"local"``, ``"url"``, …) opens that
kind or raises EnvironmentProblem saying why not: an explicit choice is never replaced. Without
one it tries, in order (:data:`AUTOMATIC`),

1. the server at ``ISPYB_SCHEMA_DB_URL`` (or a URL passed explicitly), ``mysql://user:pass@host:port/``;
2. a MariaDB container through testcontainers, when a Docker engine answers (see :mod:`.container`);
3. an ephemeral ``mariadbd`` started from the installed binaries (see :mod:`.local`).

A new kind registers its label in ``_LABELS`` and its opener in ``_OPENERS`` (see the end of this
module); ``KINDS`` lists them all. Scratch databases are created with unique names and only those
are ever dropped.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pymysql

from ..connection import Tls, connect, redact, tls_for
from ..errors import EnvironmentProblem, IspybSchemaError
from . import container
from .local import LocalMariaDB
from .sqlscript import SqlScriptError, find_client, load_with_client, load_with_pymysql

__all__ = [
    "AUTOMATIC", "DB_URL_ENV", "KINDS", "NotOurDatabase", "Server", "SqlScriptError", "open_server",
    "provide_server", "scratch_database",
]

log = logging.getLogger("ispyb_schema.harness")

DB_URL_ENV = "ISPYB_SCHEMA_DB_URL"
AUTOMATIC = ("url", "docker", "local")  # the kinds tried, in order, when none is asked for
_LABELS = {"url": "MariaDB server", "docker": "docker MariaDB", "local": "ephemeral mariadbd"}
_HINTS = {  # how to make each automatic kind available
    "url": f"set {DB_URL_ENV}=mysql://user:pass@host:port/ (or pass the URL) to a server where that user may "
    "CREATE and DROP databases",
    "docker": "start a Docker engine (with `pip install 'ispyb-schema[docker]'`; DOCKER_HOST says where it listens)",
    "local": "install mariadb-server so that mariadbd and mariadb-install-db are available",
}
_PREFIX = re.compile(r"[A-Za-z0-9_]{1,40}")


class NotOurDatabase(IspybSchemaError):
    """Refusal to drop a database this harness did not create."""


class Server:
    """A running MariaDB server on which we may create (and drop) scratch databases."""

    def __init__(
        self,
        kind: str,
        host: str,
        port: int,
        user: str,
        password: str,
        *,
        origin: str,
        local: LocalMariaDB | None = None,
        on_close: Callable[[], None] | None = None,
        tls: Tls | None = None,
    ) -> None:
        self.kind, self.host, self.port, self.user, self.password = kind, host, port, user, password
        self.tls = tls or tls_for(host)  # decided once for every connection to this server
        self.origin = origin  # what the description adds in brackets: datadir, image, where the URL came from
        self.local = local  # the ephemeral server we started, for kind "local"
        self._on_close = on_close
        self._scratch: set[str] = set()
        self._closed = False
        self.startup: float | None = None  # seconds it took to start, for the kinds we start
        self.version = self._query_version()

    @property
    def url(self) -> str:
        return f"mysql://{quote(self.user, safe='')}:{quote(self.password, safe='')}@{self.host}:{self.port}/"

    def describe(self) -> str:
        started = f"; started in {self.startup:.1f} s" if self.startup is not None else ""
        return f"{_LABELS[self.kind]} {self.version} on {self.host}:{self.port} ({self.origin}{started})"

    __str__ = describe

    def record(self) -> dict:
        """What a verification record says of this server."""
        return {"kind": self.kind, "version": self.version}

    def connect(self, database: str | None = None, **kw) -> pymysql.connections.Connection:
        """A new connection: autocommit, utf8mb4, LOAD DATA LOCAL allowed, the server's TLS
        decision; *kw* override these."""
        options = dict(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=database,
            autocommit=True,
            charset="utf8mb4",
            local_infile=True,
            connect_timeout=10,
        )
        options.update(kw)
        return connect(tls=self.tls, **options)

    def create_scratch_database(self, prefix: str = "ispyb_scratch") -> str:
        """Create a uniquely named utf8mb4 database (``prefix_<pid>_<random>``) and remember it as ours."""
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"scratch prefix must be 1-40 letters, digits or underscores, not {prefix!r}")
        name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
        self._execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        self._scratch.add(name)
        return name

    def drop_scratch_database(self, name: str) -> None:
        if name not in self._scratch:
            raise NotOurDatabase(f"refusing to drop `{name}`: it is not a scratch database this Server created")
        self._execute(f"DROP DATABASE IF EXISTS `{name}`")
        self._scratch.discard(name)

    def keep_scratch_database(self, name: str) -> None:
        """Hand a scratch database over to the user: it is no longer ours to drop."""
        if name not in self._scratch:
            raise NotOurDatabase(f"`{name}` is not a scratch database this Server created")
        self._scratch.discard(name)

    def drop_all_scratch(self) -> None:
        for name in sorted(self._scratch):
            self.drop_scratch_database(name)

    def load_sql(
        self, database: str, sql_file: str | Path | None = None, *, text: str | None = None, via: str | None = None
    ) -> None:
        """Load a SQL script (a file, or *text*) into *database*; raises SqlScriptError naming the line.

        *via* forces ``"client"`` (the mariadb command-line client) or ``"pymysql"``; by default the
        client is used when installed.
        """
        if (sql_file is None) == (text is None):
            raise TypeError("load_sql needs exactly one of sql_file and text")
        if via not in (None, "client", "pymysql"):
            raise ValueError(f"via must be 'client', 'pymysql' or None, not {via!r}")
        source = str(sql_file) if sql_file is not None else "<sql text>"
        client = find_client() if via in (None, "client") else None
        if via == "client" and not client:
            raise EnvironmentProblem("the mariadb command-line client is not installed")
        if client:
            script = Path(sql_file) if sql_file is not None else text
            load_with_client(
                client,
                host=self.host,
                port=self.port,
                user=self.user,
                password=self.password,
                database=database,
                script=script,
                source=source,
                tls_options=self.tls.client_options(),
            )
        else:
            script_text = Path(sql_file).read_text(encoding="utf-8") if sql_file is not None else text
            load_with_pymysql(lambda: self.connect(database), database, script_text, source)

    def close(self) -> None:
        """Drop our scratch databases; stop the server if we started it. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            self.drop_all_scratch()
        except pymysql.MySQLError as exc:
            log.warning("could not drop scratch databases %s: %s", sorted(self._scratch), exc)
        finally:
            if self._on_close:
                self._on_close()

    def _execute(self, sql: str) -> None:
        with closing(self.connect()) as conn, conn.cursor() as cursor:
            cursor.execute(sql)

    def _query_version(self) -> str:
        with closing(self.connect()) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT VERSION()")
            return cursor.fetchone()[0]


@contextmanager
def scratch_database(server: Server, prefix: str = "ispyb_scratch") -> Iterator[str]:
    """Create a scratch database, yield its name, and always drop it."""
    name = server.create_scratch_database(prefix)
    try:
        yield name
    finally:
        server.drop_scratch_database(name)


@contextmanager
def provide_server(url: str | None = None, *, prefer: str | None = None) -> Iterator[Server]:
    """Yield a running server of kind *prefer* (only that kind), or the first of :data:`AUTOMATIC` to be had."""
    server = open_server(url, prefer=prefer)
    try:
        yield server
    finally:
        server.close()


def open_server(url: str | None = None, *, prefer: str | None = None) -> Server:
    """Like :func:`provide_server`, but the caller must :meth:`Server.close` it. A Galera
    cluster (``prefer="galera"``, or a ``galera://`` URL) is never chosen by default."""
    if prefer == "galera" or (url or "").startswith("galera://"):
        from .galera import open_galera  # a cluster, or an error: no fallback to one server

        return open_galera(url)
    if prefer is not None and prefer not in _OPENERS:
        raise ValueError(f"prefer must be one of {KINDS} or None, not {prefer!r}")
    origin = "given URL" if url else f"from {DB_URL_ENV}"
    url = url or os.environ.get(DB_URL_ENV) or None
    tried = []
    for kind in (prefer,) if prefer else AUTOMATIC:
        started = time.monotonic()
        try:
            server = _OPENERS[kind](url, origin)
        except _Unavailable as why:
            log.info("no %s: %s", _LABELS[kind], why)
            tried.append((kind, str(why)))
            continue
        if kind != "url":
            server.startup = time.monotonic() - started
        log.info("ispyb-schema harness using %s", server.describe())
        return server
    if prefer:
        raise EnvironmentProblem(f"no {_LABELS[prefer]} ({prefer} was asked for, so no other kind is tried): "
                                 f"{tried[0][1]}")
    tried_text = "\n".join(f"  - {_LABELS[kind]}: {why}" for kind, why in tried)
    hints = "; ".join(_HINTS[kind] for kind in AUTOMATIC)
    raise EnvironmentProblem(f"no MariaDB server available for scratch databases. Tried:\n{tried_text}\n"
                             f"To fix, do one of: {hints}.")


def parse_url(url: str) -> tuple[str, int, str, str]:
    """``(host, port, user, password)`` of a ``mysql://`` or ``mariadb://`` URL; a database path is ignored."""
    parts = urlsplit(url)
    if parts.scheme.split("+")[0] not in ("mysql", "mariadb") or not parts.hostname:
        raise EnvironmentProblem(f"{redact(url)} is not a mysql://user:pass@host:port/ URL")
    try:
        port = parts.port or 3306
    except ValueError as exc:
        raise EnvironmentProblem(f"{redact(url)}: {exc}") from None
    return parts.hostname, port, unquote(parts.username or "root"), unquote(parts.password or "")


class _Unavailable(Exception):
    """This kind of server cannot be had here; the message says why."""


def _open_url(url: str | None, origin: str) -> Server:
    if not url:
        raise _Unavailable(f"{DB_URL_ENV} is not set")
    host, port, user, password = parse_url(url)
    tls = tls_for(host, urlsplit(url).query, where=redact(url))
    try:
        return Server("url", host, port, user, password, origin=f"user {user}, {origin}", tls=tls)
    except pymysql.MySQLError as exc:  # a URL someone configured must work: no silent fallback
        raise EnvironmentProblem(f"cannot connect to {redact(url)} ({origin}): {exc}") from exc


def _open_docker(url: str | None, origin: str) -> Server:
    try:
        running = container.start()
    except EnvironmentProblem as exc:
        raise _Unavailable(str(exc)) from exc
    try:
        return Server("docker", running.host, running.port, "root", container.ROOT_PASSWORD,
                      origin=running.origin, on_close=running.stop)
    except BaseException:
        running.stop()
        raise


def _open_local(url: str | None, origin: str) -> Server:
    try:
        local = LocalMariaDB.start()
    except EnvironmentProblem as exc:
        raise _Unavailable(str(exc)) from exc
    try:
        return Server(
            "local", local.host, local.port, local.user, local.password,
            origin=f"datadir {local.datadir}", local=local, on_close=local.stop,
        )
    except BaseException:
        local.stop()
        raise


_OPENERS = {"url": _open_url, "docker": _open_docker, "local": _open_local}
KINDS = tuple(_OPENERS)
