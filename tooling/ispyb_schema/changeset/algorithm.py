# SPDX-License-Identifier: LGPL-3.0-or-later
"""Which ALGORITHM and LOCK MariaDB 10.11 uses for each ALTER a plan writes, from the model.

Every ALTER clause an operation renders is classified by the operation itself into a *kind*
(``add column``, ``make NOT NULL``, …; see ``operations/online.py``); :data:`KINDS` gives each
kind's cheapest algorithm and lock on an InnoDB table in the default ``ROW_FORMAT=DYNAMIC``, and
:func:`combine` folds the kinds of one ALTER into one prediction: the worst of them, plus the
interactions MariaDB has between clauses that are cheap alone (see :func:`combine`).
:func:`predict` does it for one statement of a script; the plan writes the prediction into the
ALTER where it is established (:func:`established`), lint reports it.

Sources: the MariaDB knowledge base, "InnoDB Online DDL Overview" (the algorithm hierarchy
COPY > INPLACE > NOCOPY > INSTANT; a requested algorithm is the least efficient one accepted),
"InnoDB Online DDL Operations with the INSTANT / NOCOPY / INPLACE Alter Algorithm" (instant
ADD/DROP/reorder column since 10.4, instant VARCHAR extension unless the length bytes change —
MDEV-15563 —, instant ENUM/SET append, NOCOPY index add/drop, INPLACE rebuild for NULL/NOT NULL
and primary keys, ADD FOREIGN KEY without copying only with ``foreign_key_checks=OFF``), and
measurements on MariaDB 10.11.19 where the pages are silent: the 127-byte VARCHAR rule, TIMESTAMP
NOT NULL needing COPY, instant column changes combined with new indexes rebuilding the table.
``tests/test_lint_algorithm.py`` checks every kind and every example proposal on a server: the
prediction must succeed and the next cheaper algorithm (or lock) must be refused.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Table
from .operations import Clause, Statement

ALGORITHMS = ("INSTANT", "NOCOPY", "INPLACE", "COPY")  # cheapest first
LOCKS = ("NONE", "SHARED", "EXCLUSIVE")


@dataclass(frozen=True, order=True)
class Cost:
    algorithm: int  # index into ALGORITHMS
    lock: int = 0   # index into LOCKS

    def __str__(self) -> str:
        return f"ALGORITHM={ALGORITHMS[self.algorithm]}, LOCK={LOCKS[self.lock]}"


INSTANT, NOCOPY, INPLACE = Cost(0), Cost(1), Cost(2)
COPY = Cost(3, 1)  # a copy never allows concurrent writes

KINDS: dict[str, Cost] = {
    "add column": INSTANT,                       # any position (10.4+)
    "add stored generated column": COPY,
    "add auto-increment column": Cost(2, 1),     # numbers the rows: a rebuild, writes wait
    "drop column": INSTANT,
    "drop indexed column": NOCOPY,               # its one-column indexes go with it
    "drop column of a multi-column index": INPLACE,  # the index is rebuilt without it
    "drop primary key column": COPY,
    "rename column": INSTANT,
    "move column": INSTANT,
    "change default, comment, ON UPDATE or CHECK": INSTANT,
    "change virtual column expression": INSTANT,
    "extend varchar": INSTANT,
    "extend indexed varchar": INSTANT,
    "change integer display width": INSTANT,
    "append enum or set values": INSTANT,
    "change collation": INSTANT,
    "change collation of an indexed column": NOCOPY,
    "make NOT NULL": INPLACE,
    "make timestamp NOT NULL": COPY,
    "make nullable": INPLACE,
    "change type": COPY,  # narrowing, other types, charset, enum reorder, stored expression…
    "add index": NOCOPY,
    "add unique key": NOCOPY,
    "add fulltext or spatial index": Cost(2, 1),
    "add primary key": INPLACE,
    "drop primary key": COPY,
    "drop index": NOCOPY,
    "add foreign key": COPY,                     # foreign_key_checks=1: existing rows checked
    "add foreign key without checks": INSTANT,   # foreign_key_checks=0
    "drop foreign key": INSTANT,
    "change table comment": INSTANT,
    "rename table": Cost(0, 2),                  # metadata only, but nothing else may run
}
# Instant changes to the row format: together with a new index they rebuild the table.
STRUCTURAL = frozenset({"add column", "drop column", "drop indexed column", "move column",
                        "drop column of a multi-column index"})
# Instant alone, NOCOPY next to a new table comment (measured on 10.11.19: "Reason: DROP INDEX").
WITH_TABLE_COMMENT_NOCOPY = frozenset({"extend indexed varchar", "rename column",
                                       "drop foreign key", "add foreign key without checks"})
NEW_INDEX = frozenset({"add index", "add unique key", "drop column of a multi-column index",
                       "change collation of an indexed column"})


@dataclass(frozen=True)
class Prediction:
    """What MariaDB does with one ALTER; ``uncertain`` says why it may end up COPY."""

    cost: Cost
    kinds: tuple[str, ...]
    uncertain: str = ""

    @property
    def algorithm(self) -> str:
        return ALGORITHMS[self.cost.algorithm]

    @property
    def lock(self) -> str:
        return LOCKS[self.cost.lock]

    @property
    def worst(self) -> Cost:
        return COPY if self.uncertain else self.cost

    def __str__(self) -> str:
        maybe = f" (or COPY: {self.uncertain})" if self.uncertain else ""
        return f"{self.cost}{maybe}"


def combine(kinds: set[str], table: Table | None = None) -> Prediction:
    """One ALTER's prediction from the kinds of its clauses."""
    costs = {k: KINDS[k] for k in kinds}
    if {"add primary key", "drop primary key"} <= kinds:
        costs["drop primary key"] = INPLACE  # replacing the primary key is one rebuild
    cost = max(costs.values(), default=INSTANT)
    if kinds & STRUCTURAL and kinds & NEW_INDEX:
        cost = max(cost, INPLACE)
    if "change table comment" in kinds and kinds & WITH_TABLE_COMMENT_NOCOPY:
        cost = max(cost, NOCOPY)
    uncertain = ""
    if cost == INPLACE and table is not None and any(c.generated for c in table.columns):
        uncertain = f"{table.name} has generated columns, with which some rebuilds copy"
    return Prediction(cost, tuple(sorted(kinds)), uncertain)


def predict(parts, table: Table | None, foreign_key_checks: bool = True):
    """The kinds of each (piece, primitive) of one statement and the statement's prediction;
    None for a statement that is not an ALTER."""
    found: dict[int, dict[int, frozenset[str]]] = {}
    kinds = []
    for piece, prim in parts:
        if isinstance(piece, Statement):
            whole = prim.op.statement_kind()
            if whole is None:
                return None
            kinds.append(frozenset({whole}))
            continue
        if id(prim) not in found:
            clauses = [p for p in prim.pieces if isinstance(p, Clause)]
            each = prim.op.alter_kinds(prim.before, foreign_key_checks)
            if len(each) != len(clauses):
                raise ValueError(f"{prim.op.key}: {len(clauses)} ALTER clauses but "
                                 f"{len(each)} classified")
            found[id(prim)] = {id(c): frozenset(k) for c, k in zip(clauses, each)}
        kinds.append(found[id(prim)][id(piece)])
    return tuple(kinds), combine(set().union(*kinds), table)


def established(prediction: Prediction, table: Table | None) -> bool:
    """Whether the plan may write the prediction into the ALTER: certain, on an InnoDB table in
    the row format it assumes, without the full-text or spatial indexes it does not model."""
    return (table is not None and not prediction.uncertain
            and table.engine.lower() == "innodb"
            and (table.row_format or "DYNAMIC").upper() == "DYNAMIC"
            and not any(i.kind in ("FULLTEXT", "SPATIAL") for i in table.indexes))
