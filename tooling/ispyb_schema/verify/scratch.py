# SPDX-License-Identifier: LGPL-3.0-or-later
"""The scratch databases of a verification: created and loaded a few runs ahead, in threads
(loading is mostly waiting for the server's disk, so a few loads at once take little longer
than one), and all dropped at the end — after a failure or Ctrl-C too — unless kept.

The first database loaded has its whole schema read (once per verification): every database
loaded from the same script has that schema, so the runs start from it (see
:class:`.compare.ServerSchema`) and read only what their statements change. (Not its data:
a load fills in the time it runs at, in columns that default to the current timestamp.)"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass

import pymysql

from ..harness.server import Server
from ..harness.sqlscript import SqlScriptError
from ..importer.live import import_connection
from ..model import Schema

PREFIX = "ispyb_verify"
LOAD_AHEAD = 3  # databases being loaded at once


@dataclass
class Loader:
    """How to fill a fresh database: the baseline (a dump file, or DDL text) and fixtures."""

    baseline_file: str | None
    baseline_text: str | None
    fixtures_text: str | None
    fixture_files: list[str]


@dataclass
class Loaded:
    database: str
    seconds: float
    details: dict
    error: str | None = None
    loader: Loader | None = None  # how it was filled (to fill another the same way)
    schema: Schema | None = None  # the schema such a load leaves (read once, see Databases)


def fill(server: Server, database: str, loader: Loader) -> Loaded:
    """Load the baseline and the fixtures into ``database``."""
    start = time.perf_counter()
    details: dict = {"database": database, "fixtures": loader.fixture_files}
    try:
        if loader.baseline_file:
            server.load_sql(database, loader.baseline_file)
        else:
            server.load_sql(database, text=loader.baseline_text)
        details["baseline_seconds"] = round(time.perf_counter() - start, 3)
        if loader.fixtures_text:
            server.load_sql(database, text=loader.fixtures_text)
    except SqlScriptError as err:
        return Loaded(database, time.perf_counter() - start, details, str(err), loader)
    details["fixtures_seconds"] = round(time.perf_counter() - start
                                        - details["baseline_seconds"], 3)
    return Loaded(database, time.perf_counter() - start, details, loader=loader)


class Databases:
    """``count`` loaded scratch databases, handed out in order by :meth:`take`."""

    def __init__(self, server: Server, loader: Loader, count: int) -> None:
        self.server, self.loader, self.count = server, loader, count
        self.created: list[str] = []
        self.gone: set[str] = set()  # dropped or kept
        self.pool = ThreadPoolExecutor(LOAD_AHEAD, thread_name_prefix="verify-load")
        self.futures: list[Future] = []
        self.drops: list[Future] = []
        self.taken = 0
        self.lock = threading.Lock()  # runs take databases from several threads
        self.reading = threading.Lock()
        self.schema: Schema | None = None  # of a freshly loaded database
        # a cluster loads none ahead: a load beside a measured statement would skew its figures
        self.ahead = getattr(server, "load_ahead", LOAD_AHEAD)
        for _ in range(min(count, self.ahead)):
            self._submit()

    def _submit(self) -> None:
        self.futures.append(self.pool.submit(self._prepare))

    def _prepare(self) -> Loaded:
        name = self.server.create_scratch_database(PREFIX)
        self.created.append(name)
        loaded = fill(self.server, name, self.loader)
        if loaded.error is None:
            with self.reading:  # the first load is read; the others wait for it
                if self.schema is None:
                    with closing(self.server.connect(name)) as conn:
                        self.schema = import_connection(conn, name)
                loaded.schema = self.schema
        return loaded

    def need(self, count: int) -> None:
        """Fewer databases than first thought (a run that cannot apply needs none); one loaded
        ahead for nothing is dropped at the end."""
        with self.lock:
            self.count = count

    def take(self) -> Loaded:
        """The next loaded database (waiting for it); starts loading one more."""
        with self.lock:
            while len(self.futures) < min(self.count, self.taken + 1 + self.ahead):
                self._submit()
            self.taken += 1
            future = self.futures[self.taken - 1]
        return future.result()

    def release(self, name: str, keep: bool) -> None:
        """Keep the database, or drop it in the background."""
        self.gone.add(name)
        if keep:
            self.server.keep_scratch_database(name)
        else:
            self.drops.append(self.pool.submit(self.server.drop_scratch_database, name))

    def close(self) -> None:
        """Wait for the loads and drops under way; drop every database not handed back."""
        for future in self.futures:
            future.cancel()
        self.pool.shutdown(wait=True)
        for name in self.created:
            if name not in self.gone:
                self.server.drop_scratch_database(name)
        for drop in self.drops:
            drop.result()  # a failed drop is an error to see


class Connections:
    """The connections of the runs under way, so that an interruption can stop their
    statements on the server (the database can then be dropped at once)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.live: set[int] = set()
        self.stopped = threading.Event()

    @contextmanager
    def open(self, database: str) -> Iterator[pymysql.connections.Connection]:
        conn = self.server.connect(database)
        self.live.add(conn.thread_id())
        try:
            yield conn
        finally:
            self.live.discard(conn.thread_id())
            try:
                conn.close()
            except pymysql.MySQLError:
                pass

    def stop_all(self) -> None:
        """Kill every statement under way; the runs then end at their next stage."""
        self.stopped.set()
        for thread_id in list(self.live):
            _kill(self.server, thread_id)


def _kill(server: Server, thread_id: int) -> None:
    try:
        with closing(server.connect()) as conn, conn.cursor() as cur:
            cur.execute(f"KILL CONNECTION {int(thread_id)}")
    except pymysql.MySQLError:
        pass  # already gone
