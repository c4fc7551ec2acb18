# SPDX-License-Identifier: LGPL-3.0-or-later
"""Table operations: create (in the project's table format), drop, rename, comment."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ...errors import Diagnostic
from ...model import Schema, Table
from ...model.serialize import table_from_dict
from ...render.ddl import create_table
from ...render.quote import ident, string
from ..canon import DEFAULT_COLLATIONS
from .base import Clause, Operation, Piece, Statement, WhereLocator, operation
from .columns import prepared_column
from .keys import fk_name_taken, foreign_key_problems, implicit_index
from .references import view_users


def name_taken(model: Schema, name: str) -> str | None:
    """What already uses ``name`` (tables and views share one namespace), ignoring case so a
    proposal also works where lower_case_table_names=1."""
    for table in model.tables:
        if table.name.lower() == name.lower():
            return f"table {table.name!r}"
    for view in model.views:
        if view.name.lower() == name.lower():
            return f"view {view.name!r}"
    return None


def prepared_table(op: Operation, model: Schema, table: Table,
                   problems: list[Diagnostic]) -> Table:
    """``table`` as the server will hold it: canonical columns, the indexes InnoDB adds for
    foreign keys."""
    columns = tuple(prepared_column(op, table, c, problems, "columns", i)
                    for i, c in enumerate(table.columns))
    table = table.with_changes(columns=columns)
    extra = []
    for fk in table.foreign_keys:
        index = implicit_index(table.with_changes(indexes=table.indexes + tuple(extra)), fk)
        if index:
            extra.append(index)
    return table.with_changes(indexes=table.indexes + tuple(extra))


@operation("create_table")
@dataclass(frozen=True, kw_only=True)
class CreateTable(Operation):
    table: Table

    def table_name(self) -> str | None:
        return self.table.name

    @classmethod
    def fields_from_yaml(cls, body, where, problems):
        body = dict(body)
        if "charset" in body and "collation" not in body:
            body["collation"] = DEFAULT_COLLATIONS.get(str(body["charset"]).lower(),
                                                       f"{body['charset']}_general_ci")
        if "collation" in body and "charset" not in body:
            body["charset"] = str(body["collation"]).split("_")[0]
        table = table_from_dict(body, WhereLocator(where), problems)
        return table and {"table": table}

    @property
    def name(self) -> str:
        return self.table.name

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        taken = name_taken(model, self.name)
        if taken:
            problems.append(self.error("E301", f"{taken} already exists", "table"))
        table = prepared_table(self, model, self.table, problems)
        seen: set[str] = set()
        for i, index in enumerate(self.table.indexes):
            if index.name.lower() in seen:
                problems.append(self.error("E301", f"index name {index.name!r} is used twice",
                                           "indexes", i))
            seen.add(index.name.lower())
        for column in table.columns:
            if column.auto_increment and not any(i.columns[:1] == (column.name,)
                                                 for i in table.indexes):
                problems.append(self.error("E208", f"AUTO_INCREMENT column {column.name!r} "
                                                   "must be the first column of a key",
                                           "columns"))
        if table.primary_key:
            for column in table.primary_key.columns:
                if table.column(column) and table.column(column).nullable:
                    problems.append(self.error("E207", f"primary key column {column!r} must "
                                                       "be nullable: false", "columns"))
        with_self = model.with_table(table)
        names: set[str] = set()
        for i, fk in enumerate(table.foreign_keys):
            owner = fk_name_taken(model, fk.name)
            if owner or fk.name.lower() in names:
                problems.append(self.error("E301", f"a foreign key named {fk.name!r} already "
                                                   f"exists{f' (on {owner})' if owner else ''}",
                                           "foreign_keys", i, "name"))
            names.add(fk.name.lower())
            problems += foreign_key_problems(self, with_self, table, fk, ("foreign_keys", i))
        return problems

    def prepared(self, model: Schema) -> Table:
        return prepared_table(self, model, self.table, [])

    def apply(self, model: Schema) -> Schema:
        return model.with_table(self.prepared(model))

    def render(self, model: Schema) -> list[Piece]:
        table = self.prepared(model)
        tables = {table.name} | {fk.ref_table for fk in table.foreign_keys}
        return [Statement(create_table(table).rstrip(";"), frozenset(tables))]

    def inverse(self, model: Schema) -> list[Operation]:
        return [self.derived(DropTable, name=self.name)]

    def creates(self, model: Schema):
        return {(self.name, None)}


@operation("drop_table")
@dataclass(frozen=True, kw_only=True)
class DropTable(Operation):
    name: str

    yaml_names = {"table": "name"}

    def table_name(self) -> str | None:
        return self.name

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        if self.table_or_error(model, self.name, problems, "table") is None:
            return problems
        for other, fk in model.referencing(self.name):
            if other.name != self.name:
                problems.append(self.error("E302", f"table {self.name!r} is referenced by "
                                                   f"foreign key {other.name}.{fk.name}; drop "
                                                   "or repoint it first", "table"))
        for view in view_users(model, self.name):
            problems.append(self.error("E303", f"table {self.name!r} is used by view {view!r}",
                                       "table"))
        return problems

    def apply(self, model: Schema) -> Schema:
        return model.without_table(self.name)

    def render(self, model: Schema) -> list[Piece]:
        table = model.table(self.name)
        tables = {self.name} | {fk.ref_table for fk in table.foreign_keys}
        return [Statement(f"DROP TABLE {ident(self.name)}", frozenset(tables))]

    def inverse(self, model: Schema) -> list[Operation]:
        return [self.derived(CreateTable, table=model.table(self.name))]

    def loses(self, model: Schema):
        table = model.table(self.name)
        return ({(self.name, c.name) for c in table.columns},
                f"drops table {self.name} and every row in it")


@operation("rename_table")
@dataclass(frozen=True, kw_only=True)
class RenameTable(Operation):
    old: str
    new: str

    yaml_names = {"from": "old", "to": "new"}

    def table_name(self) -> str | None:
        return self.old

    def renames(self) -> list[tuple[str, str | None, str]]:
        return [(self.old, None, self.new)]

    def statement_kind(self) -> str | None:
        return "rename table"

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        if self.table_or_error(model, self.old, problems, "from") is None:
            return problems
        taken = name_taken(model, self.new)
        if taken and self.new.lower() != self.old.lower():
            problems.append(self.error("E301", f"{taken} already exists", "to"))
        for view in view_users(model, self.old):
            problems.append(self.error("E303", f"table {self.old!r} is used by view {view!r}; "
                                               "drop or change the view first", "from"))
        table = model.table(self.old)
        for old, new in zip(table.foreign_keys, self.renamed_keys(table)):
            owner = fk_name_taken(model, new.name) if new.name != old.name else None
            if owner and owner != self.old:
                problems.append(self.error("E301", f"renaming would rename foreign key "
                                                   f"{old.name!r} to {new.name!r}, which "
                                                   f"{owner} already uses", "to"))
        return problems

    def renamed_keys(self, table: Table) -> tuple:
        """InnoDB renames generated constraint names ``<old>_ibfk_<n>`` with the table."""
        prefix = f"{self.old}_ibfk_"
        return tuple(replace(f, name=f"{self.new}_ibfk_{f.name[len(prefix):]}")
                     if f.name.startswith(prefix) and f.name[len(prefix):].isdigit() else f
                     for f in table.foreign_keys)

    def apply(self, model: Schema) -> Schema:
        table = model.table(self.old)
        table = table.with_changes(name=self.new, foreign_keys=self.renamed_keys(table))
        model = model.without_table(self.old).with_table(table)
        for other, fk in model.referencing(self.old):
            other = model.table(other.name)
            fks = tuple(replace(f, ref_table=self.new) if f.ref_table == self.old else f
                        for f in other.foreign_keys)
            model = model.with_table(other.with_changes(foreign_keys=fks))
        return model

    def render(self, model: Schema) -> list[Piece]:
        tables = {self.old, self.new} | {t.name for t, _ in model.referencing(self.old)}
        return [Statement(f"ALTER TABLE {ident(self.old)} RENAME TO {ident(self.new)}",
                          frozenset(tables))]

    def inverse(self, model: Schema) -> list[Operation]:
        return [self.derived(RenameTable, old=self.new, new=self.old)]


@operation("set_table_comment")
@dataclass(frozen=True, kw_only=True)
class SetTableComment(Operation):
    table: str
    comment: str

    def table_name(self) -> str | None:
        return self.table

    def alter_kinds(self, model: Schema, foreign_key_checks: bool = True) -> list[set[str]]:
        return [{"change table comment"}]
    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        self.table_or_error(model, self.table, problems, "table")
        return problems

    def apply(self, model: Schema) -> Schema:
        return model.with_table(model.table(self.table).with_changes(comment=self.comment))

    def render(self, model: Schema) -> list[Piece]:
        return [Clause(self.table, f"COMMENT={string(self.comment)}",
                       alters=frozenset({"table:comment"}))]

    def inverse(self, model: Schema) -> list[Operation]:
        return [self.derived(SetTableComment, table=self.table,
                             comment=model.table(self.table).comment)]


ENGINES = {e.lower(): e for e in ("InnoDB", "MyISAM", "Aria", "MEMORY", "CSV", "ARCHIVE")}
ROW_FORMATS = ("DEFAULT", "DYNAMIC", "COMPACT", "REDUNDANT", "COMPRESSED", "FIXED", "PAGE")
_OPTIONS = ("engine", "charset", "collation", "row_format", "comment")


@operation("alter_table_options")
@dataclass(frozen=True, kw_only=True)
class AlterTableOptions(Operation):
    """A table's options: ENGINE, DEFAULT CHARSET/COLLATE (the default for columns to come;
    the columns keep theirs, as MariaDB does without CONVERT TO), ROW_FORMAT, COMMENT. Its own
    ALTER TABLE statement, without a predicted ALGORITHM (an engine or row format change
    copies the table)."""

    table: str
    engine: str | None = None
    charset: str | None = None
    collation: str | None = None
    row_format: str | None = None  # DEFAULT: the engine's own (the model's None)
    comment: str | None = None

    @classmethod
    def fields_from_yaml(cls, body, where, problems):
        body = dict(body)
        if body.get("charset") and not body.get("collation"):
            body["collation"] = DEFAULT_COLLATIONS.get(str(body["charset"]).lower(),
                                                       f"{body['charset']}_general_ci")
        if body.get("collation") and not body.get("charset"):
            body["charset"] = str(body["collation"]).split("_")[0]
        return super().fields_from_yaml(body, where, problems)

    def table_name(self) -> str | None:
        return self.table

    def charsets(self) -> tuple[str, str]:
        """The character set (utf8 as the server names it) and collation, lower case."""
        charset = self.charset.lower()
        return ("utf8mb3" if charset == "utf8" else charset), self.collation.lower()

    def given(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in _OPTIONS if getattr(self, k) is not None}

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        if not self.given():
            problems.append(self.error("E213", f"alter_table_options names no option; give "
                                               f"one of {', '.join(_OPTIONS)}", "table"))
        if self.engine is not None:
            engine = ENGINES.get(self.engine.lower())
            if engine is None:
                problems.append(self.error("E014", f"unknown engine {self.engine!r}; one of "
                                                   f"{', '.join(ENGINES.values())}", "engine"))
            elif table is not None and engine != "InnoDB" and (
                    table.foreign_keys or any(o.name != table.name
                                              for o, _ in model.referencing(table.name))):
                problems.append(self.error("E302", f"{engine} has no foreign keys and table "
                                                   f"{table.name!r} has or is referenced by "
                                                   "one; drop them first", "engine"))
        if self.charset is not None:
            known = DEFAULT_COLLATIONS.get(self.charset.lower())
            if known is None:
                problems.append(self.error("E014", f"unknown character set {self.charset!r}",
                                           "charset"))
            elif self.collation.lower() != known and not self.collation.lower().startswith(
                    (known.split("_")[0] + "_", self.charset.lower() + "_")):
                problems.append(self.error("E014", f"collation {self.collation!r} is not one "
                                                   f"of character set {self.charset!r}",
                                           "collation"))
        if self.row_format is not None and self.row_format.upper() not in ROW_FORMATS:
            problems.append(self.error("E014", f"unknown row format {self.row_format!r}; one "
                                               f"of {', '.join(ROW_FORMATS)}", "row_format"))
        return problems

    def apply(self, model: Schema) -> Schema:
        table = model.table(self.table)
        changes: dict = {}
        if self.engine is not None:
            changes["engine"] = ENGINES[self.engine.lower()]
        if self.row_format is not None:
            upper = self.row_format.upper()
            changes["row_format"] = None if upper == "DEFAULT" else upper
        if self.comment is not None:
            changes["comment"] = self.comment
        if self.charset is not None:
            changes["charset"], changes["collation"] = self.charsets()
            columns = []
            for column in table.columns:  # each keeps its character set and collation
                if column.type.is_string:
                    charset, collation = (table.effective_charset(column),
                                          table.effective_collation(column))
                    if collation == changes["collation"]:
                        charset = collation = None
                    column = replace(column, charset=charset, collation=collation)
                columns.append(column)
            changes["columns"] = tuple(columns)
        return model.with_table(table.with_changes(**changes))

    def render(self, model: Schema) -> list[Piece]:
        parts = []
        if self.engine is not None:
            parts.append(f"ENGINE={ENGINES[self.engine.lower()]}")
        if self.charset is not None:
            charset, collation = self.charsets()
            parts.append(f"DEFAULT CHARSET={charset} COLLATE={collation}")
        if self.row_format is not None:
            parts.append(f"ROW_FORMAT={self.row_format.upper()}")
        if self.comment is not None:
            parts.append(f"COMMENT={string(self.comment)}")
        return [Statement(f"ALTER TABLE {ident(self.table)} {', '.join(parts)}",
                          frozenset({self.table}))]

    def inverse(self, model: Schema) -> list[Operation]:
        table = model.table(self.table)
        before = {k: getattr(table, k) for k in self.given()}
        if "row_format" in before:
            before["row_format"] = table.row_format or "DEFAULT"
        return [self.derived(AlterTableOptions, table=self.table, **before)]
