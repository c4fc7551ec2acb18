# SPDX-License-Identifier: LGPL-3.0-or-later
"""Digests taken while the forward script runs: around the data statements of the steps that
move values (see :mod:`.moves`), and the values themselves, row by row, so that a changed
value is shown (the first differing row), not only counted."""
from __future__ import annotations

from collections import Counter

import pymysql

from .moves import MoveCheck
from .snapshot import Digest, fetch_digest, values_sql

VALUE_ROWS = 200_000  # beyond this many rows a move is compared by its digests only
from .statements import PlannedStatement


class MoveProbes:
    """Runs each check's source and target digests just before the first data statement of
    its step, and the target digest again just after the last one."""

    def __init__(self, conn, checks: list[MoveCheck], statements: list[PlannedStatement]):
        self.conn = conn
        self.checks = checks
        self.first: dict[int, list[MoveCheck]] = {}
        self.last: dict[int, list[MoveCheck]] = {}
        for check in checks:
            indexes = [s.index for s in statements if s.data and check.label in s.labels]
            if indexes:
                self.first.setdefault(indexes[0], []).append(check)
                self.last.setdefault(indexes[-1], []).append(check)
        self.source: dict[int, Digest] = {}
        self.target_before: dict[int, Digest] = {}
        self.target_after: dict[int, Digest] = {}
        self.errors: dict[int, str] = {}
        self.values: dict[tuple[int, str], list[str]] = {}  # (check, which) -> row texts

    def before(self, statement: PlannedStatement) -> None:
        for check in self.first.get(statement.index, []):
            self._measure(check, self.source, check.source_sql)
            if check.grows:
                self._measure(check, self.target_before, check.target_sql)

    def after(self, statement: PlannedStatement) -> None:
        for check in self.last.get(statement.index, []):
            self._measure(check, self.target_after, check.target_sql)

    def _measure(self, check: MoveCheck, into: dict, sql: str) -> None:
        """A digest; a query the server refuses (the schema is not what the model says: the
        schema stage reports why) makes the check unmeasured, not the script failed."""
        if id(check) in self.errors:
            return
        try:
            with self.conn.cursor() as cur:
                into[id(check)] = digest = fetch_digest(cur, sql)
                if digest.rows <= VALUE_ROWS:
                    cur.execute(values_sql(sql))
                    self.values[(id(check), self._which(into))] = [
                        r[0].decode("utf-8", "replace") if isinstance(r[0], bytes) else r[0]
                        for r in cur.fetchall()]
        except pymysql.MySQLError as err:
            self.errors[id(check)] = f"MariaDB error {err.args[0]}: {err.args[-1]}"

    def _which(self, into: dict) -> str:
        return {id(self.source): "source", id(self.target_before): "before"}.get(id(into),
                                                                                 "after")

    def rows(self, check: MoveCheck) -> tuple[list[str], list[str]] | None:
        """The values that left and those that arrived, when all were fetched."""
        got = {w: self.values.get((id(check), w)) for w in ("source", "before", "after")}
        if got["source"] is None or got["after"] is None or \
                (check.grows and got["before"] is None):
            return None
        arrived = Counter(got["after"])
        if check.grows:
            arrived -= Counter(got["before"])
        return got["source"], sorted(arrived.elements())

    def measured(self) -> list[tuple]:
        """(check, source, target before, target after, (values left, values arrived) or
        None) for every check that ran."""
        return [(c, self.source[id(c)], self.target_before.get(id(c)),
                 self.target_after[id(c)], self.rows(c)) for c in self.checks
                if id(c) in self.target_after and id(c) not in self.errors]

    def unmeasured(self) -> list[tuple[MoveCheck, str]]:
        return [(c, self.errors[id(c)]) for c in self.checks if id(c) in self.errors]
