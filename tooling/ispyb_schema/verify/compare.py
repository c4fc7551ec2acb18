# SPDX-License-Identifier: LGPL-3.0-or-later
"""The server's schema against a model: what ``information_schema`` says, read back with the
live importer, compared with :func:`diff_schemas`.

Tables are compared attribute by attribute (AUTO_INCREMENT counters are not schema and are not
read). Views are compared by name, options (algorithm, security, check option) and their
column names in order — information_schema's list against the SELECT's output names as sqlglot
reads them — not by text: the server rewrites a view's SELECT into its own canonical form
(every column qualified and aliased), so equal views rarely have equal text.

A verification reads a whole schema once (:class:`ServerSchema`: a freshly loaded baseline,
the same in every scratch database loaded from the same script); after that, each check
re-reads only the tables the statements run since the last read touched (the tables each
statement names, and the tables whose foreign keys point at them: the server rewrites those),
plus any table that appeared or went, and every view. Tables nothing touched are known.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import replace

import sqlglot
from sqlglot import exp

from ..importer.dialect import MariaDB
from ..changeset.script import ScriptStatement
from ..importer.live import import_connection, import_foreign_keys
from ..model import Change, Schema, View, diff_schemas

VIEW_OPTIONS = ("algorithm", "security", "check_option")


@functools.lru_cache(maxsize=4096)  # a view (frozen, hashed by its texts) parses once
def view_columns(view: View) -> list[str] | None:
    """The output column names of a view's SELECT, or None when sqlglot cannot name them all
    (``*``, an expression without an alias)."""
    tree = sqlglot.parse_one(view.definition, read=MariaDB)
    first = tree
    while isinstance(first, exp.SetOperation):
        first = first.left
    names = [p.alias_or_name for p in first.selects]
    if any(not n or n == "*" or isinstance(p, exp.Star) for n, p in zip(names, first.selects)):
        return None
    return names


def server_view_columns(conn, database: str, views: Iterable[str] | None = None
                        ) -> dict[str, list[str]]:
    """The columns of each view; ``views``: the views there are (read only theirs)."""
    names = sorted(views) if views is not None else None
    if names == []:
        return {}
    with conn.cursor() as cur:
        if names:  # by name: the join below reads every column of the schema
            cur.execute("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
                        f"WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN "
                        f"({', '.join(['%s'] * len(names))}) "
                        "ORDER BY TABLE_NAME, ORDINAL_POSITION", (database, *names))
        else:
            cur.execute("SELECT c.TABLE_NAME, c.COLUMN_NAME FROM information_schema.COLUMNS c "
                        "JOIN information_schema.VIEWS v ON v.TABLE_SCHEMA = c.TABLE_SCHEMA "
                        "AND v.TABLE_NAME = c.TABLE_NAME WHERE c.TABLE_SCHEMA = %s "
                        "ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION", (database,))
        out: dict[str, list[str]] = {}
        for table, column in cur.fetchall():
            out.setdefault(table, []).append(column)
    return out


def view_differences(expected: Schema, actual: Schema, columns: dict[str, list[str]]
                     ) -> list[str]:
    out = []
    mine, theirs = {v.name: v for v in expected.views}, {v.name: v for v in actual.views}
    out += [f"- view {n} (in the model, not on the server)" for n in sorted(mine.keys() - theirs)]
    out += [f"+ view {n} (on the server, not in the model)" for n in sorted(theirs.keys() - mine)]
    for name in sorted(mine.keys() & theirs.keys()):
        for option in VIEW_OPTIONS:
            a, b = getattr(mine[name], option), getattr(theirs[name], option)
            if a != b:
                out.append(f"~ view {name}.{option}: {a!r} -> {b!r}")
        wanted = view_columns(mine[name])
        if wanted is not None and [c.lower() for c in wanted] != [
                c.lower() for c in columns.get(name, [])]:
            out.append(f"~ view {name} columns: {wanted} -> {columns.get(name, [])}")
    return out


def change_text(change: Change) -> str:
    """One line per difference, types in MariaDB's spelling."""
    return str(change)  # types in MariaDB's spelling, enum lists as values removed/added


def schema_differences(expected: Schema, conn, database: str,
                       ignore: frozenset[str] = frozenset(), *,
                       server: "ServerSchema | None" = None) -> list[str]:
    """Every difference between ``expected`` and the database, one line each; [] if none.
    Tables named in ``ignore`` are left out on both sides. ``server``: what is known of the
    database's schema (only what changed since is read), else the whole schema is read."""
    if server is not None and not ignore:
        return server.differences(expected, conn, database)
    actual = server.read(conn, database, expected) if server else \
        import_connection(conn, database)
    return differences(expected, actual, conn, database, ignore)


def differences(expected: Schema, actual: Schema, conn, database: str,
                ignore: frozenset[str] = frozenset()) -> list[str]:
    """:func:`schema_differences` of a schema already read (``actual``); views' columns are
    read from ``conn``."""
    return _differences(expected, actual, conn, database, ignore)[0]


def _differences(expected: Schema, actual: Schema, conn, database: str,
                 ignore: frozenset[str] = frozenset()) -> tuple[list[str], set[str]]:
    """The lines of :func:`differences`, and the names of the tables that differ."""
    expected, actual = (replace(s, tables=tuple(t for t in s.tables if t.name not in ignore))
                        for s in (expected, actual))
    tables = diff_schemas(replace(expected, views=()), replace(actual, views=()))
    columns = server_view_columns(conn, database, [v.name for v in actual.views])
    differing = {t.name for t in tables.changed_tables}
    differing |= set(tables.added_tables) | set(tables.removed_tables)
    return ([change_text(c) for c in tables.changes()]
            + view_differences(expected, actual, columns)), differing


def statement_tables(statement: ScriptStatement) -> set[str]:
    """The tables a statement names: the table an ALTER changes, each piece's tables."""
    out = {statement.table} if statement.table else set()
    for piece, _ in statement.parts:
        out |= set(getattr(piece, "tables", ())) | set(getattr(piece, "refs", ()))
        if getattr(piece, "table", None):
            out.add(piece.table)
    return out


class ServerSchema:
    """A database's schema as last read: whole once, then what statements touched.

    ``touch`` each statement before it runs; :meth:`read` re-reads the touched tables, any
    table that appeared or went since, every view, and the foreign keys of the tables whose
    foreign keys point at a touched table (on the server as last read, or in the model
    expected now: the server renames a referenced table or column in them)."""

    def __init__(self, known: Schema | None) -> None:
        self.known = known  # None: nothing known yet (the first read reads it all)
        self.touched: set[str] = set()
        self.same: dict[tuple[int, int], tuple] = {}  # (expected, read) tables found equal

    def touch(self, statement: ScriptStatement) -> None:
        self.touched |= statement_tables(statement)

    def read(self, conn, database: str, expected: Schema) -> Schema:
        if self.known is None:
            self.known, self.touched = import_connection(conn, database), set()
            return self.known
        with conn.cursor() as cur:
            cur.execute("SELECT TABLE_NAME, TABLE_TYPE = 'VIEW' FROM information_schema.TABLES "
                        "WHERE TABLE_SCHEMA = %s", (database,))
            found = cur.fetchall()
        there = {name for name, view in found if not view}
        views = {name for name, view in found if view}
        known = {t.name: t for t in self.known.tables}
        wanted = (self.touched | (there ^ known.keys())) & there
        referring = {t.name for model in (self.known, expected) for t in model.tables
                     if any(fk.ref_table in self.touched for fk in t.foreign_keys)}
        # the views again only when one came, went, or a statement named one
        same_views = views == {v.name for v in self.known.views} and not self.touched & views
        fresh = import_connection(conn, database, wanted, views=not same_views)
        if same_views:
            fresh = replace(fresh, views=self.known.views)
        keys = import_foreign_keys(conn, database, (referring & there) - wanted)
        read = {t.name: t for t in fresh.tables}
        tables = [read.get(t.name) or (replace(t, foreign_keys=keys[t.name])
                                       if t.name in keys and keys[t.name] != t.foreign_keys
                                       else t)
                  for t in self.known.tables if t.name in there]
        tables += [read[n] for n in sorted(read.keys() - known.keys())]
        self.known, self.touched = Schema(tuple(tables), fresh.views), set()
        return self.known

    def differences(self, expected: Schema, conn, database: str) -> list[str]:
        """:func:`schema_differences` against what :meth:`read` reads; a pair of tables
        found equal once is not compared again."""
        actual = self.read(conn, database, expected)
        mine = {t.name: t for t in expected.tables}
        known = {n for n, t in mine.items()
                 if (a := actual.table(n)) is not None and (id(t), id(a)) in self.same}
        found, differing = _differences(replace(expected, tables=tuple(
            t for t in expected.tables if t.name not in known)), replace(
            actual, tables=tuple(t for t in actual.tables if t.name not in known)),
            conn, database)
        for name, table in mine.items():
            other = actual.table(name)
            if other is not None and name not in differing:
                self.same[(id(table), id(other))] = (table, other)
        return found
