# SPDX-License-Identifier: LGPL-3.0-or-later
"""Foreign keys: add (with the index InnoDB needs) and drop."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ...errors import Diagnostic
from ...model import Column, ForeignKey, Index, IndexPart, Schema, Table
from ...render.ddl import foreign_key_definition, index_definition
from ...render.quote import ident
from .base import Clause, Operation, Piece, operation
from .references import covering_index, unique_key_on


def fk_type_mismatch(child_table: Table, child: Column, parent_table: Table,
                     parent: Column) -> str | None:
    """Why InnoDB would refuse ``child`` referencing ``parent`` (display widths do not matter)."""
    a, b = child.type, parent.type
    if a.is_integer or b.is_integer:
        same = a.base == b.base and a.unsigned == b.unsigned
    else:
        same = (a.base, a.args, a.values) == (b.base, b.args, b.values)
        if same and a.is_string:
            same = child_table.effective_collation(child) == \
                parent_table.effective_collation(parent)
    if same:
        return None
    def spell(t: Table, c: Column) -> str:
        charset = f" {t.effective_charset(c)}" if c.type.is_string else ""
        return f"{t.name}.{c.name} is {c.type}{charset}"
    return f"{spell(child_table, child)} but {spell(parent_table, parent)}"


def foreign_key_problems(op: Operation, model: Schema, table: Table, fk: ForeignKey,
                         keys: tuple = ()) -> list[Diagnostic]:
    """Everything that makes a foreign key invalid, for add_foreign_key and create_table."""
    problems: list[Diagnostic] = []
    target = table if fk.ref_table == table.name else model.table(fk.ref_table)
    if target is None:
        op.table_or_error(model, fk.ref_table, problems, *keys, "references", "table")
    if len(fk.columns) != len(fk.ref_columns):
        problems.append(op.error("E203", f"foreign key {fk.name!r} has {len(fk.columns)} "
                                         f"columns but references {len(fk.ref_columns)}",
                                 *keys, "references", "columns"))
    children = [op.column_or_error(table, c, problems, *keys, "columns", i)
                for i, c in enumerate(fk.columns)]
    if target is None:
        return problems
    parents = [op.column_or_error(target, c, problems, *keys, "references", "columns", i)
               for i, c in enumerate(fk.ref_columns)]
    if problems:
        return problems
    for i, (child, parent) in enumerate(zip(children, parents)):
        why = fk_type_mismatch(table, child, target, parent)
        if why:
            problems.append(op.error("E201", f"foreign key {fk.name!r}: {why}; the types must "
                                             "match exactly", *keys, "columns", i))
        if "SET NULL" in (fk.on_delete, fk.on_update) and not child.nullable:
            problems.append(op.error("E216", f"foreign key {fk.name!r} uses SET NULL but "
                                             f"{child.name!r} is NOT NULL", *keys, "columns", i))
    if unique_key_on(target, fk.ref_columns) is None:
        keys_there = "; ".join(f"{i.name} ({', '.join(i.columns)})" for i in target.indexes
                               if i.is_unique) or "none"
        problems.append(op.error("E202", f"foreign key {fk.name!r}: {target.name}"
                                         f"({', '.join(fk.ref_columns)}) is not a PRIMARY or "
                                         f"UNIQUE key; its keys: {keys_there}",
                                 *keys, "references", "columns"))
    return problems


def fk_name_taken(model: Schema, name: str) -> str | None:
    """Foreign key names are unique in the whole database (InnoDB)."""
    for table in model.tables:
        if table.foreign_key(name):
            return table.name
    return None


def implicit_index(table: Table, fk: ForeignKey) -> Index | None:
    """The index MariaDB adds for a foreign key no index covers: named after the constraint."""
    if covering_index(table, fk.columns):
        return None
    return Index(fk.name, tuple(IndexPart(c) for c in fk.columns))


def resolved(model: Schema, table: Table, fk: ForeignKey) -> ForeignKey:
    target = table if fk.ref_table == table.name else model.table(fk.ref_table)
    return replace(fk, columns=tuple(table.column(c).name for c in fk.columns),
                   ref_columns=tuple(target.column(c).name for c in fk.ref_columns))


@operation("add_foreign_key")
@dataclass(frozen=True, kw_only=True)
class AddForeignKey(Operation):
    table: str
    fk: ForeignKey

    def table_name(self) -> str | None:
        return self.table

    def alter_kinds(self, model: Schema, foreign_key_checks: bool = True) -> list[set[str]]:
        clauses = [p for p in self.render(model) if isinstance(p, Clause)]
        fk = "add foreign key" if foreign_key_checks else "add foreign key without checks"
        return [{"add index"}] * (len(clauses) - 1) + [{fk}]
    @classmethod
    def fields_from_yaml(cls, body, where, problems):
        ref = body["references"]
        fk = ForeignKey(body["name"], tuple(body["columns"]), ref["table"], tuple(ref["columns"]),
                        body.get("on_delete", "RESTRICT"), body.get("on_update", "RESTRICT"))
        return {"table": body["table"], "fk": fk}

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        if table is None:
            return problems
        owner = fk_name_taken(model, self.fk.name)
        if owner:
            problems.append(self.error("E301", f"a foreign key named {self.fk.name!r} already "
                                               f"exists (on {owner}); names are unique in the "
                                               "database", "name"))
        problems += foreign_key_problems(self, model, table, self.fk)
        if not problems and implicit_index(table, self.fk) and table.index(self.fk.name):
            problems.append(self.error("E301", f"the index MariaDB needs for this key would be "
                                               f"named {self.fk.name!r}, which {self.table} "
                                               "already uses", "name"))
        return problems

    def apply(self, model: Schema) -> Schema:
        table = model.table(self.table)
        fk = resolved(model, table, self.fk)
        index = implicit_index(table, fk)
        return model.with_table(table.with_changes(
            foreign_keys=table.foreign_keys + (fk,),
            indexes=table.indexes + ((index,) if index else ())))

    def render(self, model: Schema) -> list[Piece]:
        table = model.table(self.table)
        fk = resolved(model, table, self.fk)
        uses = frozenset("col:" + c.lower() for c in fk.columns)
        pieces: list[Piece] = []
        index = implicit_index(table, fk)
        if index:  # written out, so the model and the server agree on its name
            pieces.append(Clause(self.table, "ADD " + index_definition(index),
                                 defines=frozenset({"idx:" + index.name.lower()}), uses=uses))
        pieces.append(Clause(self.table, "ADD " + foreign_key_definition(fk),
                             defines=frozenset({"fk:" + fk.name.lower()}), uses=uses,
                             refs=frozenset({fk.ref_table})))
        return pieces

    def inverse(self, model: Schema) -> list[Operation]:
        from .indexes import DropIndex

        ops: list[Operation] = [self.derived(DropForeignKey, table=self.table, name=self.fk.name)]
        if implicit_index(model.table(self.table), self.fk):
            ops.append(self.derived(DropIndex, table=self.table, name=self.fk.name))
        return ops


@operation("drop_foreign_key")
@dataclass(frozen=True, kw_only=True)
class DropForeignKey(Operation):
    table: str
    name: str

    def table_name(self) -> str | None:
        return self.table

    def alter_kinds(self, model: Schema, foreign_key_checks: bool = True) -> list[set[str]]:
        return [{"drop foreign key"}]
    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        if table is not None and table.foreign_key(self.name) is None:
            names = ", ".join(f.name for f in table.foreign_keys) or "none"
            problems.append(self.error("E104", f"table {self.table!r} has no foreign key "
                                               f"{self.name!r}; its foreign keys: {names}",
                                       "name"))
        return problems

    def apply(self, model: Schema) -> Schema:
        table = model.table(self.table)
        return model.with_table(table.with_changes(foreign_keys=tuple(
            f for f in table.foreign_keys if f.name.lower() != self.name.lower())))

    def render(self, model: Schema) -> list[Piece]:
        fk = model.table(self.table).foreign_key(self.name)
        return [Clause(self.table, f"DROP FOREIGN KEY {ident(fk.name)}",
                       removes=frozenset({"fk:" + fk.name.lower()}),
                       refs=frozenset({fk.ref_table}))]

    def inverse(self, model: Schema) -> list[Operation]:
        fk = model.table(self.table).foreign_key(self.name)
        return [self.derived(AddForeignKey, table=self.table, fk=fk)]
