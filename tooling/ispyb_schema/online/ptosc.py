# SPDX-License-Identifier: LGPL-3.0-or-later
"""``plan --online``: which ALTERs to run with pt-online-schema-change, and the command.

An ALTER qualifies when the algorithm check predicts ALGORITHM=COPY or LOCK=SHARED (writes
blocked while it runs) and its table is big: at least ``min_rows`` rows in the sizes given
(``--rows``), or, with no sizes, one of the tables lint knows to hold millions of rows at the
facilities. pt-online-schema-change (Debian's ``percona-toolkit``) copies the table in chunks
into a new one, kept current by triggers, then swaps the two: writes go on meanwhile.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass

from ..changeset.operations import Clause
from ..forecast.measure import Described
from ..lint.algorithm import COPY
from ..lint.rules.algorithm import LARGE_TABLES

DEFAULT_MIN_ROWS = 1_000_000
TOOL = "pt-online-schema-change"
# Pauses the copy when the server is busy, aborts when it is overloaded; small chunks keep
# each write-set small on Galera. Child tables' foreign keys are re-pointed by altering each
# child (rebuild_constraints): pt-osc 3.2 takes MariaDB 10.x for MySQL 8.0+ and refuses the
# other method, drop_swap, there (measured with MariaDB 10.11). (--max-flow-ctl is refused outside Percona XtraDB Cluster: on a MariaDB
# Galera cluster the receive queue in --max-load does that job.)
# --charset: without it pt-osc talks latin1 and a comment's 'Å' arrives as 'Ã…' (measured).
OPTIONS = ("--charset", "utf8mb4", "--max-load", "Threads_running=25", "--critical-load", "Threads_running=100",
           "--chunk-size", "1000", "--alter-foreign-keys-method", "rebuild_constraints",
           "--no-drop-old-table")
GALERA_MAX_LOAD = "Threads_running=25,wsrep_local_recv_queue=10"
COSTS = ("triggers on the table for the whole copy: every write to it is written twice",
         "disk for a full copy of the table: the old one is kept as _<table>_old "
         "(--no-drop-old-table) until you drop it, once the change is checked",
         "foreign keys: pt-osc prefixes the new table's constraint names with '_', and "
         "re-points each child table's keys with an ALTER of that child (its size counts too)",
         "on a Galera cluster: run it on one node with wsrep_OSU_method=TOI (each chunk is "
         f"a small write-set, the final swap a short TOI rename), with --max-load "
         f"{GALERA_MAX_LOAD} to pause while a node falls behind")


@dataclass(frozen=True)
class OnlineAlter:
    table: str
    clauses: tuple[str, ...]
    why: str  # "ALGORITHM=COPY, LOCK=SHARED on DataCollection (10,000,000 rows)"
    children: tuple[str, ...] = ()  # tables whose foreign keys reference it

    def command(self, database: str = "ispyb", extra: tuple[str, ...] = (),
                execute: bool = True) -> list[str]:
        return [TOOL, "--alter", ", ".join(self.clauses), *OPTIONS, *extra,
                "--execute" if execute else "--dry-run", f"D={database},t={self.table}"]

    def shell(self, database: str = "ispyb") -> str:
        return " ".join(shlex.quote(part) for part in self.command(database))


def online_candidate(d: Described, sizes: dict[str, int] | None,
                     min_rows: int = DEFAULT_MIN_ROWS) -> OnlineAlter | None:
    """The online variant of a statement, or None when it runs as planned."""
    alter = d.alter
    if alter is None or (alter.prediction.worst < COPY and alter.prediction.lock == "NONE"):
        return None
    clauses = tuple(alter.texts) or tuple(p.text for p, _, _ in alter.parts
                                          if isinstance(p, Clause))
    if not clauses:  # a whole statement (RENAME TO): nothing to copy
        return None
    if sizes is None:
        big = alter.table in LARGE_TABLES
        size = "one of the tables with millions of rows at the facilities"
    else:
        rows = sizes.get(alter.table.lower(), 0)
        big, size = rows >= min_rows, f"{rows:,} rows"
    if not big:
        return None
    before = alter.steps[0].before
    children = tuple(sorted({t.name for t in before.tables for fk in t.foreign_keys
                             if fk.ref_table == alter.table and t.name != alter.table}))
    return OnlineAlter(alter.table, clauses, f"{alter.prediction} on {alter.table} ({size})",
                       children)


def render_online(header: str, described: list[Described], sizes: dict[str, int] | None,
                  min_rows: int = DEFAULT_MIN_ROWS, database: str = "ispyb") -> str:
    """The forward script with each qualifying ALTER replaced by its pt-osc command (as SQL
    comments: run the SQL parts with the client and the commands from a shell, in order)."""
    out = [header.rstrip("\n"), ""]
    found = 0
    for d in described:
        online = online_candidate(d, sizes, min_rows)
        if online is None:
            out += [d.statement.sql, ""]
            continue
        found += 1
        out += [f"-- ONLINE ({', '.join(d.statement.labels)}): {online.why}.",
                "-- Instead of this ALTER, run from a shell (then go on with the script):",
                *(f"--   {line}" for line in _wrapped(online.command(database))),
                "-- What it costs:", *(f"--   - {c}" for c in COSTS),
                *([f"--   - child tables altered: {', '.join(online.children)}"]
                  if online.children else []),
                "-- The ALTER it replaces:", *(f"--   {line}" for line in
                                               d.statement.sql.splitlines()), ""]
    if not found:
        out.append("-- No ALTER needs an online variant: none is predicted ALGORITHM=COPY or "
                   f"LOCK=SHARED on a table of at least {min_rows:,} rows.")
    return "\n".join(out).rstrip("\n") + "\n"


def _wrapped(parts: list[str], width: int = 90) -> list[str]:
    lines, line = [], ""
    for word in map(shlex.quote, parts):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line + " \\")
            line = "  " + word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return lines
