# SPDX-License-Identifier: LGPL-3.0-or-later
"""Which ALGORITHM and LOCK MariaDB 10.11 uses for each ALTER the plan writes, from the model.

Every ALTER clause an operation renders is classified into a *kind* (``add column``,
``make NOT NULL``, …); :data:`KINDS` gives each kind's cheapest algorithm and lock on an InnoDB
table in the default ``ROW_FORMAT=DYNAMIC``, and :func:`combine` folds the kinds of one ALTER
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
from ..changeset.operations.columns import AddColumn, DropColumn, ModifyColumn, RenameColumn
from ..changeset.operations.enums import ChangeEnum
from ..changeset.operations.indexes import AddIndex, DropIndex
from ..changeset.operations.keys import AddForeignKey, DropForeignKey
from ..changeset.operations.tables import RenameTable, SetTableComment
from ..model import Column, Schema, Table

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
_BYTES_PER_CHAR = {"latin1": 1, "ascii": 1, "binary": 1, "ucs2": 2, "utf8mb3": 3, "utf8": 3}


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
    """The kinds of each ``Clause`` among ``pieces`` (what ``op.render(model)`` gave)."""
    clauses = [p for p in pieces if isinstance(p, Clause)]
    if isinstance(op, ChangeEnum):
        kinds = _enum_kinds(op, model)
    elif isinstance(op, AddForeignKey):
        fk = "add foreign key" if foreign_key_checks else "add foreign key without checks"
        kinds = [{"add index"}] * (len(clauses) - 1) + [{fk}]
    else:
        kinds = [_kinds(op, model)]
    if len(kinds) != len(clauses):
        raise ValueError(f"{op.key}: {len(clauses)} ALTER clauses but {len(kinds)} "
                         "classified")
    return kinds


def statement_kinds(op: Operation) -> set[str] | None:
    """The kind of an operation's whole ALTER statement (a table rename), None for other
    statements."""
    return {"rename table"} if isinstance(op, RenameTable) else None


def _kinds(op: Operation, model: Schema) -> set[str]:
    table = model.table(getattr(op, "table", ""))
    if isinstance(op, AddColumn):
        generated = op.column.generated
        return {"add stored generated column" if generated and generated.stored
                else "add column"}
    if isinstance(op, DropColumn):
        return {_drop_kind(table, op.column)}
    if isinstance(op, RenameColumn):
        return {"rename column"}
    if isinstance(op, ModifyColumn):
        old = table.column(op.column)
        return column_change(table, old, op.new_column(table), bool(op.after or op.first))
    if isinstance(op, AddIndex):
        return {{"PRIMARY": "add primary key", "UNIQUE": "add unique key",
                 "FULLTEXT": "add fulltext or spatial index",
                 "SPATIAL": "add fulltext or spatial index"}.get(op.index.kind, "add index")}
    if isinstance(op, DropIndex):
        return {"drop primary key" if table.index(op.name).kind == "PRIMARY" else "drop index"}
    if isinstance(op, DropForeignKey):
        return {"drop foreign key"}
    if isinstance(op, SetTableComment):
        return {"change table comment"}
    raise ValueError(f"no algorithm prediction for the ALTER clauses of {op.key}")


def _drop_kind(table: Table, column: str) -> str:
    indexes = [i for i in table.indexes if column.lower() in (c.lower() for c in i.columns)]
    if any(i.kind == "PRIMARY" for i in indexes):
        return "drop primary key column"
    if any(len(i.parts) > 1 for i in indexes):
        return "drop column of a multi-column index"
    return "drop indexed column" if indexes else "drop column"


def _enum_kinds(op: ChangeEnum, model: Schema) -> list[set[str]]:
    """change_enum writes one MODIFY, or widen / UPDATE / narrow when rows move."""
    table = model.table(op.table)
    column = table.column(op.column)
    current, final = column.type.values, op.final_values(column.type.values)
    if not op.moves():
        return [column_change(table, column, op.changed(column, final))]
    union = current + tuple(v for v in final if v not in current)
    wide = op.changed(column, union) if union != current else column
    kinds = [column_change(table, column, wide)] if union != current else []
    return kinds + [column_change(table, wide, op.changed(column, final))]


def column_change(table: Table, old: Column, new: Column, moved: bool = False) -> set[str]:
    """The kinds of one MODIFY/CHANGE COLUMN from ``old`` to ``new`` in ``table``."""
    kinds = {"move column"} if moved else set()
    if old.name != new.name:
        kinds.add("rename column")
    kinds |= _type_kinds(table, old, new)
    if old.nullable and not new.nullable:
        kinds.add("make timestamp NOT NULL" if new.type.base == "timestamp" else "make NOT NULL")
    elif new.nullable and not old.nullable:
        kinds.add("make nullable")
    if (old.default, old.comment, old.on_update, old.check) != \
            (new.default, new.comment, new.on_update, new.check):
        kinds.add("change default, comment, ON UPDATE or CHECK")
    if old.generated != new.generated:
        virtual = old.generated and new.generated and not (old.generated.stored or
                                                           new.generated.stored)
        kinds.add("change virtual column expression" if virtual else "change type")
    if (old.compressed, old.auto_increment) != (new.compressed, new.auto_increment):
        kinds.add("change type")
    return kinds


def _indexed(table: Table, column: Column) -> bool:
    return any(column.name.lower() in (c.lower() for c in i.columns) for i in table.indexes)


def _type_kinds(table: Table, old: Column, new: Column) -> set[str]:
    a, b = old.type, new.type
    if table.effective_charset(old) != table.effective_charset(new):
        return {"change type"}
    kinds = set()
    if table.effective_collation(old) != table.effective_collation(new):
        kinds.add("change collation of an indexed column" if _indexed(table, old)
                  else "change collation")
    if a == b:
        return kinds
    if a.base == b.base == "varchar" and b.length > a.length:
        per_char = _BYTES_PER_CHAR.get((table.effective_charset(old) or "").lower(), 4)
        before, after = a.length * per_char, b.length * per_char
        # The length takes one byte up to 255 bytes; the two-byte form only reads values up to
        # 127 bytes the same way, so crossing 255 from above 127 rewrites the rows.
        if before <= 127 or before > 255 or after <= 255:
            return kinds | {"extend indexed varchar" if _indexed(table, old) else
                            "extend varchar"}
        return kinds | {"change type"}
    if a.is_integer and (a.base, a.unsigned, a.zerofill) == (b.base, b.unsigned, b.zerofill):
        return kinds | {"change integer display width"}
    if a.base == b.base and a.base in ("enum", "set") and len(b.values) > len(a.values) and \
            b.values[:len(a.values)] == a.values and \
            _member_bytes(a.base, len(a.values)) == _member_bytes(b.base, len(b.values)):
        return kinds | {"append enum or set values"}
    return kinds | {"change type"}


def _member_bytes(base: str, count: int) -> int:
    """Storage size of an enum (1 or 2 bytes) or a set (1, 2, 3, 4 or 8 bytes)."""
    if base == "enum":
        return 1 if count <= 255 else 2
    size = (count + 7) // 8
    return size if size <= 4 else 8
