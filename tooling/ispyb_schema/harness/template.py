# SPDX-License-Identifier: LGPL-3.0-or-later
"""A loaded database that scratch databases are cloned from and reset to.

Loading the upstream schema costs about 200 CREATE TABLEs (seconds on a loaded machine); copying
its data, a few set-based ``INSERT … SELECT``. So a :class:`Template` is loaded once, each
scratch database is cloned from it once (``SHOW CREATE`` of every table and view, then the
rows), and between runs it is *reset*: only the tables whose ``SHOW CREATE``, checksum or
AUTO_INCREMENT counter differ from the template's are dropped and copied again, and tables
and views the template does not have are dropped. Fault injection and benchmarks run many
runs on identical copies this way.
"""
from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass

from ..model import Schema
from ..render.quote import ident
from ..verify.journal import without_counter
from ..verify.snapshot import whole_digests
from .server import Server



def digests(conn, model: Schema) -> dict[str, tuple[int, int]]:
    """(rows, checksum) of every table of the model, computed on the server (verify's
    snapshot code)."""
    with conn.cursor() as cur:
        found = whole_digests(cur, list(model.tables))
    return {t.name: (d.whole.rows, d.whole.checksum) for t, d in zip(model.tables, found)}


@dataclass
class Objects:
    creates: dict[str, str]  # table -> SHOW CREATE TABLE (with its AUTO_INCREMENT)
    views: dict[str, str]  # view -> SHOW CREATE VIEW
    counters: dict[str, int]

    @staticmethod
    def read(conn, like: "Objects | None" = None, changed: frozenset[str] | None = None
             ) -> "Objects":
        """What the database holds. With ``like`` and ``changed``, a table or view not named
        in ``changed`` that ``like`` has, of the same kind, is taken to be as in ``like``."""
        with conn.cursor() as cur:
            cur.execute("SHOW FULL TABLES")
            kinds = dict(cur.fetchall())
            creates, views = {}, {}
            for name, kind in kinds.items():
                into = views if kind == "VIEW" else creates
                known = getattr(like, "views" if kind == "VIEW" else "creates", {}) if like \
                    else {}
                if changed is not None and name not in changed and name in known:
                    into[name] = known[name]
                    continue
                cur.execute(f"SHOW CREATE TABLE {ident(name)}")
                into[name] = cur.fetchone()[1]
            cur.execute("SELECT TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES "
                        "WHERE TABLE_SCHEMA = DATABASE() AND AUTO_INCREMENT IS NOT NULL")
            counters = {name: int(value) for name, value in cur.fetchall()}
        return Objects(creates, views, counters)


class Template:
    """A loaded database; ``model`` is its schema (tables it does not model, such as the
    bookkeeping of ``apply``, are always copied again on reset)."""

    def __init__(self, server: Server, database: str, model: Schema) -> None:
        self.server, self.database, self.model = server, database, model
        with closing(server.connect(database)) as conn:
            self.objects = Objects.read(conn)
            self.digests = digests(conn, model)
            with conn.cursor() as cur:
                cur.execute("SELECT TABLE_NAME, GROUP_CONCAT(CONCAT('`', REPLACE(COLUMN_NAME, "
                            "'`', '``'), '`') ORDER BY ORDINAL_POSITION) FROM "
                            "information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
                            "EXTRA NOT LIKE '%%GENERATED%%' GROUP BY TABLE_NAME")
                self.columns = dict(cur.fetchall())

    def clone(self, prefix: str = "ispyb_fault") -> str:
        database = self.server.create_scratch_database(prefix)
        with closing(self.server.connect(database)) as conn, conn.cursor() as cur:
            cur.execute("SET FOREIGN_KEY_CHECKS = 0")
            for create in self.objects.creates.values():
                cur.execute(create)
            for name in self.objects.creates:
                self._copy(cur, database, name)
            for view in self.objects.views.values():
                cur.execute(view)
        return database

    def _copy(self, cur, database: str, table: str) -> None:
        if self.digests.get(table, (1, 0))[0]:
            columns = self.columns[table]
            cur.execute(f"INSERT INTO {ident(database)}.{ident(table)} ({columns}) SELECT "
                        f"{columns} FROM {ident(self.database)}.{ident(table)}")

    def reset(self, database: str, changed: frozenset[str] | None = None) -> list[str]:
        """Make ``database`` equal to the template again; returns what was restored.
        ``changed``: the only tables and views whose definition may differ (what a script
        changes); every table's rows are compared in any case."""
        with closing(self.server.connect(database)) as conn, conn.cursor() as cur:
            now = Objects.read(conn, self.objects, changed)
            cur.execute("SET FOREIGN_KEY_CHECKS = 0")
            restored = []
            for name in now.views:
                if now.views[name] != self.objects.views.get(name):
                    cur.execute(f"DROP VIEW {ident(name)}")
            for name in now.creates.keys() - self.objects.creates.keys():
                cur.execute(f"DROP TABLE {ident(name)}")
                restored.append(f"-{name}")
            same = [t for t in self.model.tables if t.name in now.creates and
                    without_counter(now.creates[t.name]) ==
                    without_counter(self.objects.creates[t.name])]
            sums = digests(conn, Schema(tuple(same)))
            for name, create in self.objects.creates.items():
                if name in sums and sums[name] == self.digests.get(name):
                    counter = self.objects.counters.get(name)
                    if counter is not None and now.counters.get(name) != counter:
                        cur.execute(f"ALTER TABLE {ident(name)} AUTO_INCREMENT = {counter}")
                    continue
                cur.execute(f"DROP TABLE IF EXISTS {ident(name)}")
                cur.execute(create)
                self._copy(cur, database, name)
                restored.append(name)
            for name, view in self.objects.views.items():
                if now.views.get(name) != view:
                    cur.execute(view)
        return restored

