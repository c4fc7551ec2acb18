# SPDX-License-Identifier: LGPL-3.0-or-later
"""Index operations: plain indexes, unique, FULLTEXT and SPATIAL keys, the primary key."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from ...errors import Diagnostic
from ...model import Index, Schema
from ...model.serialize import parse_index_part
from ...render.ddl import index_definition
from ...render.quote import ident
from .base import Clause, Operation, Piece, operation
from .online import INDEX_KINDS
from .references import covering_index


def idx(name: str) -> str:
    return "idx:" + name.lower()


@operation("add_index")
@dataclass(frozen=True, kw_only=True)
class AddIndex(Operation):
    table: str
    index: Index

    kind: ClassVar[str] = "INDEX"  # the kind the YAML key builds

    def table_name(self) -> str | None:
        return self.table

    def alter_kinds(self, model: Schema, foreign_key_checks: bool = True) -> list[set[str]]:
        return [{INDEX_KINDS.get(self.index.kind, "add index")}]
    @classmethod
    def fields_from_yaml(cls, body, where, problems):
        parts = []
        for i, text in enumerate(body["columns"]):
            part = parse_index_part(text)
            if part is None:
                problems.append(Diagnostic(where("columns", i), f"expected 'column', "
                                           f"'column(N)' or 'column DESC', got {text!r}", "E014"))
            parts.append(part)
        if None in parts:
            return None
        name = "PRIMARY" if cls.kind == "PRIMARY" else body["name"]
        return {"table": body["table"],
                "index": Index(name, tuple(parts), cls.kind, body.get("comment", ""))}

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        if table is None:
            return problems
        if self.index.kind == "PRIMARY" and table.primary_key:
            problems.append(self.error("E301", f"table {self.table!r} already has a primary "
                                               "key; drop it first", "table"))
        elif table.index(self.index.name):
            problems.append(self.error("E301", f"table {self.table!r} already has an index "
                                               f"named {self.index.name!r}", "name"))
        seen = set()
        for i, part in enumerate(self.index.parts):
            column = self.column_or_error(table, part.column, problems, "columns", i)
            if column is None:
                continue
            if part.column.lower() in seen:
                problems.append(self.error("E207", f"column {part.column!r} appears twice",
                                           "columns", i))
            seen.add(part.column.lower())
            blob = column.type.is_text_or_blob
            if part.length and not (column.type.is_string or blob or
                                    column.type.base in ("binary", "varbinary")):
                problems.append(self.error("E207", f"a prefix length needs a string column; "
                                                   f"{column.name!r} is {column.type}",
                                           "columns", i))
            elif blob and not part.length:
                problems.append(self.error("E207", f"{column.name!r} is {column.type}: give a "
                                                   f"prefix length, e.g. '{column.name}(100)'",
                                           "columns", i))
            if self.index.kind == "PRIMARY" and column.nullable:
                problems.append(self.error("E207", f"primary key column {column.name!r} is "
                                                   "nullable; make it NOT NULL first "
                                                   "(modify_column)", "columns", i))
        return problems

    def special_problems(self, model: Schema, fits, what: str) -> list[Diagnostic]:
        """A FULLTEXT or SPATIAL key's problems: the name, unknown columns, and columns that
        are not ``what``, given a prefix or an order."""
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        if table is None:
            return problems
        if table.index(self.index.name):
            problems.append(self.error("E301", f"table {self.table!r} already has an index "
                                               f"named {self.index.name!r}", "name"))
        for i, part in enumerate(self.index.parts):
            column = self.column_or_error(table, part.column, problems, "columns", i)
            if column is None:
                continue
            if not fits(column):
                problems.append(self.error("E207", f"a {self.index.kind} key needs {what}; "
                                                   f"{column.name!r} is {column.type}",
                                           "columns", i))
            if part.length or part.descending:
                problems.append(self.error("E207", f"a {self.index.kind} key takes whole "
                                                   "columns, without prefix or order",
                                           "columns", i))
        return problems

    def resolved(self, model: Schema) -> Index:
        table = model.table(self.table)
        parts = tuple(replace(p, column=table.column(p.column).name) for p in self.index.parts)
        return replace(self.index, parts=parts)

    def apply(self, model: Schema) -> Schema:
        table = model.table(self.table)
        return model.with_table(table.with_changes(
            indexes=table.indexes + (self.resolved(model),)))

    def render(self, model: Schema) -> list[Piece]:
        uses = frozenset("col:" + p.column.lower() for p in self.index.parts)
        return [Clause(self.table, "ADD " + index_definition(self.resolved(model)),
                       defines=frozenset({idx(self.index.name)}), uses=uses)]

    def inverse(self, model: Schema) -> list[Operation]:
        if self.index.kind == "PRIMARY":
            return [self.derived(DropPrimaryKey, table=self.table)]
        return [self.derived(DropIndex, table=self.table, name=self.index.name)]


@operation("add_unique_key")
@dataclass(frozen=True, kw_only=True)
class AddUniqueKey(AddIndex):
    kind: ClassVar[str] = "UNIQUE"


@operation("add_fulltext_index")
@dataclass(frozen=True, kw_only=True)
class AddFulltextIndex(AddIndex):
    """A FULLTEXT key: CHAR, VARCHAR or TEXT columns, whole (no prefix, no order)."""

    kind: ClassVar[str] = "FULLTEXT"

    def check(self, model: Schema) -> list[Diagnostic]:
        return self.special_problems(model, lambda c: c.type.base in (
            "char", "varchar", "tinytext", "text", "mediumtext", "longtext"),
            "a CHAR, VARCHAR or TEXT column")

    def render(self, model: Schema) -> list[Piece]:
        # InnoDB builds one FULLTEXT index per ALTER: two never share a statement
        (clause,) = super().render(model)
        return [replace(clause, defines=clause.defines | {"fulltext:"})]


@operation("add_spatial_index")
@dataclass(frozen=True, kw_only=True)
class AddSpatialIndex(AddIndex):
    """A SPATIAL key: one NOT NULL geometry column, whole."""

    kind: ClassVar[str] = "SPATIAL"

    def check(self, model: Schema) -> list[Diagnostic]:
        problems = self.special_problems(model, lambda c: c.type.base in GEOMETRY,
                                         "a geometry column")
        table = model.table(self.table)
        if table is not None and len(self.index.parts) != 1:
            problems.append(self.error("E207", "a SPATIAL key has exactly one column",
                                       "columns"))
        for i, part in enumerate(self.index.parts):
            column = table.column(part.column) if table is not None else None
            if column is not None and column.nullable:
                problems.append(self.error("E207", f"{column.name!r} is nullable; a SPATIAL "
                                                   "key needs NOT NULL (modify_column first)",
                                           "columns", i))
        return problems


GEOMETRY = ("geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
            "multipolygon", "geometrycollection")


@operation("add_primary_key")
@dataclass(frozen=True, kw_only=True)
class AddPrimaryKey(AddIndex):
    kind: ClassVar[str] = "PRIMARY"


@operation("drop_index")
@dataclass(frozen=True, kw_only=True)
class DropIndex(Operation):
    table: str
    name: str

    def table_name(self) -> str | None:
        return self.table

    def alter_kinds(self, model: Schema, foreign_key_checks: bool = True) -> list[set[str]]:
        primary = model.table(self.table).index(self.name).kind == "PRIMARY"
        return [{"drop primary key" if primary else "drop index"}]
    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        if table is None:
            return problems
        index = table.index(self.name)
        if index is None:
            names = ", ".join(i.name for i in table.indexes) or "none"
            problems.append(self.error("E103", f"table {self.table!r} has no index "
                                               f"{self.name!r}; its indexes: {names}", "name"))
            return problems
        if index.kind == "PRIMARY" and self.key == "drop_index":
            problems.append(self.error("E209", "use drop_primary_key for the primary key",
                                       "name"))
        for fk in table.foreign_keys:
            if covering_index(table, fk.columns) is index and \
                    covering_index(table, fk.columns, exclude=index.name) is None:
                problems.append(self.error("E302", f"index {index.name!r} is needed by foreign "
                                                   f"key {fk.name!r}; drop the foreign key "
                                                   "first", "name"))
        for other, fk in model.referencing(self.table):
            if covering_index(table, fk.ref_columns) is index and \
                    covering_index(table, fk.ref_columns, exclude=index.name) is None:
                problems.append(self.error("E302", f"index {index.name!r} is needed by foreign "
                                                   f"key {other.name}.{fk.name}", "name"))
        if index.kind == "PRIMARY":
            for column in table.columns:
                if column.auto_increment and column.name in index.columns and not any(
                        i is not index and i.columns[:1] == (column.name,)
                        for i in table.indexes):
                    problems.append(self.error("E208", f"{column.name!r} is AUTO_INCREMENT and "
                                                       "must stay the first column of a key",
                                               "table"))
        return problems

    def apply(self, model: Schema) -> Schema:
        table = model.table(self.table)
        return model.with_table(table.with_changes(indexes=tuple(
            i for i in table.indexes if i.name.lower() != self.name.lower())))

    def render(self, model: Schema) -> list[Piece]:
        index = model.table(self.table).index(self.name)
        text = "DROP PRIMARY KEY" if index.kind == "PRIMARY" else f"DROP KEY {ident(index.name)}"
        return [Clause(self.table, text, removes=frozenset({idx(self.name)}))]

    def inverse(self, model: Schema) -> list[Operation]:
        index = model.table(self.table).index(self.name)
        return [self.derived(adding(index), table=self.table, index=index)]


def adding(index: Index) -> type[AddIndex]:
    """The operation that adds an index of this kind (FULLTEXT and SPATIAL keys are checked by
    their own)."""
    return {"FULLTEXT": AddFulltextIndex, "SPATIAL": AddSpatialIndex}.get(index.kind, AddIndex)


@operation("drop_primary_key")
@dataclass(frozen=True, kw_only=True)
class DropPrimaryKey(DropIndex):
    name: str = "PRIMARY"

