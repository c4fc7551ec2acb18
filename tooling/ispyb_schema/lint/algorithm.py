# SPDX-License-Identifier: LGPL-3.0-or-later
"""Which ALGORITHM and LOCK MariaDB 10.11 uses for each ALTER the plan writes, from the model.

Every ALTER clause an operation renders is classified by the operation itself into a *kind*
(``add column``, ``make NOT NULL``, …; see ``changeset/operations/online.py``); :data:`KINDS`
gives each kind's cheapest algorithm and lock on an InnoDB table in the default
``ROW_FORMAT=DYNAMIC``, and :func:`combine` folds the kinds of one ALTER
into one prediction: the worst of them, plus the three interactions MariaDB has between
clauses that are cheap alone (see :func:`combine`).

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

from ..changeset.operations import Clause, Operation
from ..model import Schema, Table

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
    if {"extend indexed varchar", "change table comment"} <= kinds:
        cost = max(cost, NOCOPY)
    uncertain = ""
    if cost == INPLACE and table is not None and any(c.generated for c in table.columns):
        uncertain = f"{table.name} has generated columns, with which some rebuilds copy"
    return Prediction(cost, tuple(sorted(kinds)), uncertain)


# -- classifying the clauses of one operation ------------------------------------------------
def clause_kinds(op: Operation, model: Schema, pieces, foreign_key_checks: bool = True) \
        -> list[set[str]]:
    """The kinds of each ``Clause`` among ``pieces`` (what ``op.render(model)`` gave), as the
    operation classifies them (``Operation.alter_kinds``)."""
    clauses = [p for p in pieces if isinstance(p, Clause)]
    kinds = op.alter_kinds(model, foreign_key_checks)
    if len(kinds) != len(clauses):
        raise ValueError(f"{op.key}: {len(clauses)} ALTER clauses but {len(kinds)} "
                         "classified")
    return kinds
