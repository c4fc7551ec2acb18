# SPDX-License-Identifier: LGPL-3.0-or-later
"""Column operations: add, drop, rename, modify, comment.

Every ALTER clause is built from the model's full column definition, so a rename or a modify
keeps type, nullability, default, comment, charset and position — nothing is restated by hand.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

from ...errors import Diagnostic
from ...model import Column, Generated, Index, IndexPart, Schema, Table
from ...model.changetext import type_change
from ...model.serialize import table_from_dict
from ...render.ddl import column_definition, index_definition
from ...render.quote import ident
from ..canon import canonical_column, canonical_default, type_problem
from ..sqlcheck import (
    Scope,
    SqlProblem,
    check_condition,
    check_expression,
    emit,
    parse_expression,
)
from .base import (
    Clause,
    ColumnChange,
    Operation,
    Piece,
    Where,
    WhereLocator,
    operation,
    position_of,
)
from .online import column_change, drop_kind
from .references import foreign_keys_using, view_users

COLUMN_ATTRIBUTES = tuple(f.name for f in fields(Column) if f.name != "name")


# -- building and checking column definitions ------------------------------------------------
def column_from_yaml(data: dict, where: Where, problems: list[Diagnostic]) -> Column | None:
    """A column in the project's table format (``model/serialize.py``)."""
    table = table_from_dict({"table": "_", "columns": [data]}, WhereLocator(where, skip=2),
                            problems)
    return table.columns[0] if table and table.columns else None


def prepared_column(op: Operation, table: Table, column: Column, problems: list[Diagnostic],
                    *keys) -> Column:
    """``column`` as the server will hold it in ``table``; problems found on the way."""
    column = canonical_column(table, column)
    why = type_problem(column.type)
    if why:
        problems.append(op.error("E016", f"column {column.name!r}: {why}", *keys, "type"))
    default = column.default
    if default is not None:
        try:
            default = canonical_default(default, column.type)
        except SqlProblem as problem:
            problems.append(op.error(problem.code, f"column {column.name!r}: {problem.message}",
                                     *keys, "default"))
            default = None
    if column.default == "NULL" and not column.nullable:
        problems.append(op.error("E206", f"column {column.name!r} is NOT NULL but its default "
                                         "is NULL", *keys, "default"))
    if column.on_update is not None and column.on_update.lower().rstrip("()") not in (
            "current_timestamp", "now"):
        problems.append(op.error("E603", f"column {column.name!r}: on_update must be "
                                         "current_timestamp()", *keys, "on_update"))
    column = replace(column, default=default, on_update="current_timestamp()"
                     if column.on_update else None)
    return _with_checked_expressions(op, table, column, problems, keys)


def _with_checked_expressions(op: Operation, table: Table, column: Column,
                              problems: list[Diagnostic], keys: tuple) -> Column:
    """The column's CHECK and generation expressions, checked and re-emitted by sqlglot."""
    if not column.check and not column.generated:
        return column
    scope = Scope(Schema((table.with_changes(columns=table.columns + (column,)),)), {},
                  table.name)
    for attr in ("check", "generated"):
        text = getattr(column, attr)
        text = text.expression if attr == "generated" and text else text
        if not text:
            continue
        try:
            node = parse_expression(text)
            bad = (check_condition if attr == "check" else check_expression)(node, scope)
        except SqlProblem as problem:
            bad, node = [problem], None
        problems += [op.error(p.code, f"column {column.name!r} {attr}: {p.message}", *keys,
                              attr) for p in bad]
        if node is not None and not bad:
            clean = emit(node)
            column = replace(column, check=clean) if attr == "check" else replace(
                column, generated=replace(column.generated, expression=clean))
    return column


def with_column_at(table: Table, column: Column, after: str | None, first: bool) -> Table:
    columns = [c for c in table.columns if c.name.lower() != column.name.lower()]
    if first:
        index = 0
    elif after:
        index = [c.name.lower() for c in columns].index(after.lower()) + 1
    else:
        index = len(columns)
    columns.insert(index, column)
    return table.with_changes(columns=tuple(columns))


def position_sql(table: Table, after: str | None, first: bool) -> str:
    if first:
        return " FIRST"
    if after:
        return f" AFTER {ident(table.column(after).name)}"
    return ""


def check_position(op: Operation, table: Table, after: str | None, problems) -> None:
    if after and table.column(after) is None:
        op.column_or_error(table, after, problems, "after")


def col(name: str) -> str:
    return "col:" + name.lower()


# -- operations --------------------------------------------------------------------------------
@operation("add_column")
@dataclass(frozen=True, kw_only=True)
class AddColumn(Operation):
    table: str
    column: Column
    after: str | None = None
    first: bool = False
    column_key: str | None = None  # YAML key: "primary" or "unique", added in the same ALTER

    yaml_names = {"key": "column_key"}

    def table_name(self) -> str | None:
        return self.table

    def alter_kinds(self, model: Schema, foreign_key_checks: bool = True) -> list[set[str]]:
        stored = self.column.generated and self.column.generated.stored
        added = "add stored generated column" if stored else "add auto-increment column" \
            if self.column.auto_increment else "add column"
        if self.column_key is None:
            return [{added}]
        key = "add primary key" if self.column_key == "primary" else "add unique key"
        return [{added}, {key}]
    @classmethod
    def fields_from_yaml(cls, body, where, problems):
        column = column_from_yaml(body["column"], where.below("column"), problems)
        return column and {cls.yaml_names.get(k, k): v for k, v in
                           {**body, "column": column}.items()}

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        if table is None:
            return problems
        if table.column(self.column.name) is not None:
            problems.append(self.error("E301", f"table {self.table!r} already has a column "
                                               f"{self.column.name!r}", "column", "name"))
        check_position(self, table, self.after, problems)
        problems += self._prepared(table)[1]
        if self.column.auto_increment and self.column_key is None:
            problems.append(self.error("E208", "an AUTO_INCREMENT column must be a key; give "
                                               "'key: primary' (or unique) to add it with its "
                                               "key, or add it with create_table", "column",
                                       "auto_increment"))
        if self.column_key == "primary":
            if table.primary_key:
                problems.append(self.error("E301", f"table {self.table!r} already has a "
                                                   "primary key; drop it first", "key"))
            if self.column.nullable:
                problems.append(self.error("E207", f"primary key column {self.column.name!r} "
                                                   "must be nullable: false", "key"))
        elif self.column_key == "unique" and table.index(self.column.name):
            problems.append(self.error("E301", f"table {self.table!r} already has an index "
                                               f"named {self.column.name!r}", "key"))
        return problems

    def new_column(self, table: Table) -> Column:
        return self._prepared(table)[0]

    def _prepared(self, table: Table) -> tuple[Column, list[Diagnostic]]:
        """The column as ``table`` will hold it, and the problems found on the way: made once
        for the table a walk's check, apply and render all see."""
        memo = self.__dict__.get("_memo")
        if memo is None or memo[0] is not table:
            problems: list[Diagnostic] = []
            column = prepared_column(self, table, self.column, problems, "column")
            memo = (table, column, problems)
            object.__setattr__(self, "_memo", memo)  # not a field: equality and hash ignore it
        return memo[1], list(memo[2])

    def new_key(self) -> Index | None:
        if self.column_key is None:
            return None
        primary = self.column_key == "primary"
        return Index("PRIMARY" if primary else self.column.name, (IndexPart(self.column.name),),
                     "PRIMARY" if primary else "UNIQUE")

    def apply(self, model: Schema) -> Schema:
        table = model.table(self.table)
        table = with_column_at(table, self.new_column(table), self.after, self.first)
        key = self.new_key()
        if key is not None:
            table = table.with_changes(indexes=table.indexes + (key,))
        return model.with_table(table)

    def render(self, model: Schema) -> list[Piece]:
        table = model.table(self.table)
        change = ColumnChange("ADD", column_definition(table, self.new_column(table)),
                              position_sql(table, self.after, self.first))
        uses = {col(self.after)} if self.after else set()
        added = Clause(self.table, change.text, defines=frozenset({col(self.column.name)}),
                       uses=frozenset(uses), column=change)
        key = self.new_key()
        if key is None:
            return [added]
        # the key in the same ALTER: MariaDB refuses an AUTO_INCREMENT column without one
        return [added, Clause(self.table, "ADD " + index_definition(key),
                              defines=frozenset({"idx:" + key.name.lower()}),
                              uses=frozenset({col(self.column.name)}))]

    def inverse(self, model: Schema) -> list[Operation]:
        return [self.derived(DropColumn, table=self.table, column=self.column.name)]

    def creates(self, model: Schema):
        return {(self.table, self.column.name)}


@operation("drop_column")
@dataclass(frozen=True, kw_only=True)
class DropColumn(Operation):
    table: str
    column: str

    def table_name(self) -> str | None:
        return self.table

    def alter_kinds(self, model: Schema, foreign_key_checks: bool = True) -> list[set[str]]:
        return [{drop_kind(model.table(self.table), self.column)}]
    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        column = table and self.column_or_error(table, self.column, problems, "column")
        if not column:
            return problems
        name = column.name.lower()
        for fk, own in foreign_keys_using(model, self.table, column.name):
            what = "part of" if own else "referenced by"
            problems.append(self.error("E302", f"{self.table}.{column.name} is {what} foreign "
                                               f"key {fk}; drop the foreign key first", "column"))
        for index in table.indexes:
            if index.is_unique and len(index.parts) > 1 and name in (
                    c.lower() for c in index.columns):
                problems.append(self.error("E305", f"{self.table}.{column.name} is part of "
                                                   f"the {index.kind} key {index.name!r} with "
                                                   "other columns; drop or change that key "
                                                   "first", "column"))
        for view in view_users(model, self.table, column.name):
            problems.append(self.error("E303", f"{self.table}.{column.name} is used by view "
                                               f"{view!r}", "column"))
        if len(table.columns) == 1:
            problems.append(self.error("E212", f"{column.name!r} is the last column of "
                                               f"{self.table!r}; drop the table instead",
                                       "column"))
        return problems

    def affected_indexes(self, table: Table) -> list[Index]:
        return [i for i in table.indexes
                if self.column.lower() in (c.lower() for c in i.columns)]

    def apply(self, model: Schema) -> Schema:
        table = model.table(self.table)
        indexes = []
        for index in table.indexes:
            parts = tuple(p for p in index.parts if p.column.lower() != self.column.lower())
            if parts:
                indexes.append(replace(index, parts=parts))
        columns = tuple(c for c in table.columns if c.name.lower() != self.column.lower())
        return model.with_table(table.with_changes(columns=columns, indexes=tuple(indexes)))

    def render(self, model: Schema) -> list[Piece]:
        table = model.table(self.table)
        alters = {"idx:" + i.name.lower() for i in self.affected_indexes(table)}
        return [Clause(self.table, f"DROP COLUMN {ident(table.column(self.column).name)}",
                       removes=frozenset({col(self.column)}), alters=frozenset(alters))]

    def inverse(self, model: Schema) -> list[Operation]:
        from .indexes import DropIndex, adding

        table = model.table(self.table)
        column = table.column(self.column)
        after = position_of(table, column.name)
        key, keyed = None, None
        if column.auto_increment:  # back with its key, which MariaDB needs in the same ALTER
            keyed = next((i for i in self.affected_indexes(table) if len(i.parts) == 1 and (
                i.kind == "PRIMARY" or i.kind == "UNIQUE" and i.name == column.name)), None)
            key = keyed and keyed.kind.lower()
        ops: list[Operation] = [self.derived(AddColumn, table=self.table, column=column,
                                             after=after, first=after is None,
                                             column_key=key)]
        for index in self.affected_indexes(table):
            if index is keyed:
                continue
            if len(index.parts) > 1:
                ops.append(self.derived(DropIndex, table=self.table, name=index.name))
            ops.append(self.derived(adding(index), table=self.table, index=index))
        return ops

    def loses(self, model: Schema):
        return {(self.table, model.table(self.table).column(self.column).name)}, \
            f"drops column {self.table}.{self.column} and every value in it"


@operation("rename_column")
@dataclass(frozen=True, kw_only=True)
class RenameColumn(Operation):
    table: str
    old: str
    new: str

    yaml_names = {"from": "old", "to": "new"}

    def table_name(self) -> str | None:
        return self.table

    def alter_kinds(self, model: Schema, foreign_key_checks: bool = True) -> list[set[str]]:
        return [{"rename column"}]

    def renames(self) -> list[tuple[str, str | None, str]]:
        return [(self.table, self.old, self.new)]

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        column = table and self.column_or_error(table, self.old, problems, "from")
        if not column:
            return problems
        clash = table.column(self.new)
        if clash is not None and clash is not column:
            problems.append(self.error("E301", f"table {self.table!r} already has a column "
                                               f"{clash.name!r}", "to"))
        for view in view_users(model, self.table, column.name):
            problems.append(self.error("E303", f"{self.table}.{column.name} is used by view "
                                               f"{view!r}; drop or change the view first",
                                       "from"))
        return problems

    def apply(self, model: Schema) -> Schema:
        old = model.table(self.table).column(self.old).name

        def rename(names):
            return tuple(self.new if n.lower() == old.lower() else n for n in names)

        table = model.table(self.table)
        table = table.with_changes(
            columns=tuple(replace(c, name=self.new) if c.name == old else c
                          for c in table.columns),
            indexes=tuple(replace(i, parts=tuple(replace(p, column=rename([p.column])[0])
                                                 for p in i.parts)) for i in table.indexes),
            foreign_keys=tuple(replace(f, columns=rename(f.columns)) for f in table.foreign_keys))
        model = model.with_table(table)
        for other in model.tables:
            fks = tuple(replace(f, ref_columns=rename(f.ref_columns))
                        if f.ref_table == self.table else f for f in other.foreign_keys)
            if fks != other.foreign_keys:
                model = model.with_table(other.with_changes(foreign_keys=fks))
        return model

    def render(self, model: Schema) -> list[Piece]:
        table = model.table(self.table)
        column = table.column(self.old)
        definition = column_definition(table, replace(column, name=self.new))
        keyed = bool(foreign_keys_using(model, self.table, column.name))
        change = ColumnChange("CHANGE", definition, old=column.name)
        gone = frozenset({col(self.old)}) - {col(self.new)}  # a case-only rename keeps it
        return [Clause(self.table, change.text, defines=frozenset({col(self.new)}),
                       removes=gone, alone=keyed, column=change)]

    def inverse(self, model: Schema) -> list[Operation]:
        old = model.table(self.table).column(self.old).name
        return [self.derived(RenameColumn, table=self.table, old=self.new, new=old)]


@operation("modify_column")
@dataclass(frozen=True, kw_only=True)
class ModifyColumn(Operation):
    """Changes only the attributes named in ``changes``; the rest is read from the model."""

    table: str
    column: str
    changes: tuple[tuple[str, object], ...] = ()
    after: str | None = None
    first: bool = False

    def table_name(self) -> str | None:
        return self.table

    def alter_kinds(self, model: Schema, foreign_key_checks: bool = True) -> list[set[str]]:
        table = model.table(self.table)
        old = table.column(self.column)
        moved = bool(self.after or self.first)
        return [column_change(table, old, self.new_column(table), moved)]
    @classmethod
    def fields_from_yaml(cls, body, where, problems):
        named = {k: v for k, v in body.items() if k not in ("table", "column", "after", "first")}
        if "type" in named or "values" in named:
            probe = {"name": body["column"], "type": named.get("type", "enum")}
            probe.update({"values": named["values"]} if "values" in named else {})
            column = column_from_yaml(probe, where, problems)
            if column is None:
                return None
            named.pop("values", None)
            named["type"] = column.type
        if "generated" in named:
            named["generated"] = Generated(named["generated"]["expression"],
                                           named["generated"].get("stored", False))
        if "default" in named and named["default"] is not None:
            named["default"] = str(named["default"]).lower() if isinstance(
                named["default"], bool) else str(named["default"])
        fixed = {k: body[k] for k in ("table", "column", "after", "first") if k in body}
        return {**fixed, "changes": tuple(named.items())}

    def new_column(self, table: Table, problems: list[Diagnostic] | None = None) -> Column:
        old = table.column(self.column)
        changes = dict(self.changes)
        if changes.get("nullable") is False and old.default == "NULL" and "default" not in changes:
            changes["default"] = None
        return prepared_column(self, table, replace(old, **changes),
                               [] if problems is None else problems)

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        column = table and self.column_or_error(table, self.column, problems, "column")
        if not column:
            return problems
        check_position(self, table, self.after, problems)
        if problems:
            return problems
        new = self.new_column(table, problems)
        if new == column and not self.after and not self.first:
            problems.append(self.error("E213", f"{self.table}.{column.name} already has this "
                                               "definition; nothing to change", "column"))
        if _key_type(table, column) != _key_type(table, new):
            for fk, _ in foreign_keys_using(model, self.table, column.name):
                problems.append(self.error("E302", f"{self.table}.{column.name} is used by "
                                                   f"foreign key {fk}; MariaDB cannot change its "
                                                   f"type {type_change(column.type, new.type)}",
                                           "column"))
        if view_users(model, self.table, column.name) and new.type != column.type:
            problems.append(self.error("E303", f"{self.table}.{column.name} is used by a view; "
                                               "its type cannot change under it", "column"))
        return problems

    def apply(self, model: Schema) -> Schema:
        table = model.table(self.table)
        new = self.new_column(table)
        if self.after or self.first:
            return model.with_table(with_column_at(table, new, self.after, self.first))
        columns = tuple(new if c.name.lower() == self.column.lower() else c
                        for c in table.columns)
        return model.with_table(table.with_changes(columns=columns))

    def render(self, model: Schema) -> list[Piece]:
        table = model.table(self.table)
        change = ColumnChange("MODIFY", column_definition(table, self.new_column(table)),
                              position_sql(table, self.after, self.first))
        uses = {col(self.after)} if self.after else set()
        return [Clause(self.table, change.text, alters=frozenset({col(self.column)}),
                       uses=frozenset(uses), column=change)]

    def inverse(self, model: Schema) -> list[Operation]:
        table = model.table(self.table)
        old = table.column(self.column)
        moved = bool(self.after or self.first)
        after = position_of(table, old.name) if moved else None
        return [self.derived(ModifyColumn, table=self.table, column=old.name,
                             changes=tuple((a, getattr(old, a)) for a in COLUMN_ATTRIBUTES),
                             after=after, first=moved and after is None)]

    def loses(self, model: Schema):
        table = model.table(self.table)
        old, new = table.column(self.column), self.new_column(table)
        why = narrowing(old, new)
        if why:
            return {(self.table, old.name)}, f"{self.table}.{old.name}: {why}"
        return None


@operation("set_column_comment")
@dataclass(frozen=True, kw_only=True)
class SetColumnComment(ModifyColumn):
    """``MODIFY COLUMN`` with the full definition and only the comment changed."""

    @classmethod
    def fields_from_yaml(cls, body, where, problems):
        return {"table": body["table"], "column": body["column"],
                "changes": (("comment", body["comment"]),)}

    def inverse(self, model: Schema) -> list[Operation]:
        old = model.table(self.table).column(self.column)
        return [self.derived(SetColumnComment, table=self.table, column=old.name,
                             changes=(("comment", old.comment),))]


def _key_type(table: Table, column: Column) -> tuple:
    """What InnoDB compares between the two ends of a foreign key (display widths aside)."""
    t = column.type
    return (t.base, t.unsigned, () if t.is_integer else t.args, t.values,
            table.effective_collation(column))


# -- how a type change can lose data ---------------------------------------------------------
_INT_RANK = {"tinyint": 1, "smallint": 2, "mediumint": 3, "int": 4, "bigint": 5}
_TEXT_BYTES = {"tinytext": 255, "text": 65535, "mediumtext": 16777215, "longtext": 4294967295}


def _capacity(column: Column) -> int | None:
    t = column.type
    if t.base in ("char", "varchar"):
        return t.length
    return _TEXT_BYTES.get(t.base)


def narrowing(old: Column, new: Column) -> str | None:
    """Why ``old`` -> ``new`` can cut values or make the ALTER fail on existing rows."""
    a, b = old.type, new.type
    if old.nullable and not new.nullable:
        return "becomes NOT NULL: existing NULLs make the ALTER fail or become 0/''"
    if a == b:
        return None
    what = f"changes type {type_change(a, b)}"
    if a.base in _INT_RANK and b.base in _INT_RANK:
        ra, rb = _INT_RANK[a.base], _INT_RANK[b.base]
        fits = rb >= ra if a.unsigned == b.unsigned else a.unsigned and rb > ra
        return None if fits else f"{what}: values may not fit"
    if a.base in ("enum", "set") and b.base == a.base:
        if b.values[:len(a.values)] == a.values:
            return None
        return f"{what}: rows holding a removed value lose it (use change_enum)"
    if _capacity(old) is not None and _capacity(new) is not None:
        return None if _capacity(new) >= _capacity(old) else f"{what}: long values are cut"
    if a.base == "decimal" and b.base == "decimal":
        (m1, d1), (m2, d2) = a.args, b.args
        return None if m2 - d2 >= m1 - d1 and d2 >= d1 else f"{what}: digits are lost"
    if (a.base, b.base) in (("float", "double"), ("date", "datetime")):
        return None
    return f"{what}: values may be converted or cut"
