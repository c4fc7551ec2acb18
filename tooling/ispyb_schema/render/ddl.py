# SPDX-License-Identifier: LGPL-3.0-or-later
"""Model -> MariaDB DDL, in the layout of ``SHOW CREATE TABLE``.

The pieces (column, index, foreign-key definitions, table options) are shared by the schema
dump (:func:`schema_ddl`) and by the changeset planner's ALTER statements, so a column is
spelled the same way everywhere and keeps every attribute the model holds.
"""
from __future__ import annotations

from ..model import Check, Column, ForeignKey, Index, Schema, Table, View
from .quote import ident, idents, string

SCRIPT_HEADER = (
    "SET NAMES utf8mb4;",
    "SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0;",
)
SCRIPT_FOOTER = ("SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS;",)


def column_definition(table: Table, col: Column) -> str:
    """``name type [charset] [generated] [NOT NULL] [DEFAULT] [ON UPDATE] … [COMMENT] [CHECK]``."""
    out = [ident(col.name), str(col.type)]
    if col.compressed:
        out.append("/*M!100301 COMPRESSED*/")
    if col.collation:
        out.append(f"CHARACTER SET {col.charset or col.collation.split('_')[0]}")
        out.append(f"COLLATE {col.collation}")
    elif col.charset:
        out.append(f"CHARACTER SET {col.charset}")
    if col.generated:
        kind = "STORED" if col.generated.stored else "VIRTUAL"
        out.append(f"GENERATED ALWAYS AS ({col.generated.expression}) {kind}")
    elif not col.nullable:
        out.append("NOT NULL")
    elif col.type.base == "timestamp":
        out.append("NULL")  # timestamps are NOT NULL unless told otherwise
    if col.default is not None and col.generated is None:
        out.append(f"DEFAULT {col.default}")
    if col.on_update:
        out.append(f"ON UPDATE {col.on_update}")
    if col.auto_increment:
        out.append("AUTO_INCREMENT")
    if col.comment:
        out.append(f"COMMENT {string(col.comment)}")
    if col.check:
        out.append(f"CHECK ({col.check})")
    return " ".join(out)


def index_parts(index: Index) -> str:
    parts = []
    for part in index.parts:
        text = ident(part.column) + (f"({part.length})" if part.length else "")
        parts.append(text + (" DESC" if part.descending else ""))
    return "(" + ",".join(parts) + ")"


def index_definition(index: Index) -> str:
    comment = f" COMMENT {string(index.comment)}" if index.comment else ""
    if index.kind == "PRIMARY":
        return f"PRIMARY KEY {index_parts(index)}{comment}"
    prefix = {"UNIQUE": "UNIQUE KEY", "INDEX": "KEY", "FULLTEXT": "FULLTEXT KEY",
              "SPATIAL": "SPATIAL KEY"}[index.kind]
    return f"{prefix} {ident(index.name)} {index_parts(index)}{comment}"


def foreign_key_definition(fk: ForeignKey) -> str:
    text = (f"CONSTRAINT {ident(fk.name)} FOREIGN KEY ({idents(fk.columns)}) "
            f"REFERENCES {ident(fk.ref_table)} ({idents(fk.ref_columns)})")
    if fk.on_delete != "RESTRICT":
        text += f" ON DELETE {fk.on_delete}"
    if fk.on_update != "RESTRICT":
        text += f" ON UPDATE {fk.on_update}"
    return text


def check_definition(check: Check) -> str:
    return f"CONSTRAINT {ident(check.name)} CHECK ({check.expression})"


def table_options(table: Table) -> str:
    out = [f"ENGINE={table.engine}", f"DEFAULT CHARSET={table.charset}",
           f"COLLATE={table.collation}"]
    if table.row_format:
        out.append(f"ROW_FORMAT={table.row_format}")
    if table.comment:
        out.append(f"COMMENT={string(table.comment)}")
    return " ".join(out)


def create_table(table: Table, foreign_keys: bool = True) -> str:
    lines = [column_definition(table, c) for c in table.columns]
    lines += [index_definition(i) for i in table.indexes]
    if foreign_keys:
        lines += [foreign_key_definition(f) for f in table.foreign_keys]
    lines += [check_definition(c) for c in table.checks]
    body = ",\n".join("  " + line for line in lines)
    return f"CREATE TABLE {ident(table.name)} (\n{body}\n) {table_options(table)};"


def create_view(view: View, or_replace: bool = False) -> str:
    head = "CREATE OR REPLACE" if or_replace else "CREATE"
    text = (f"{head} ALGORITHM={view.algorithm} SQL SECURITY {view.security} "
            f"VIEW {ident(view.name)} AS {view.definition}")
    if view.check_option != "NONE":
        text += f" WITH {view.check_option} CHECK OPTION"
    return text + ";"


def creation_order(schema: Schema) -> tuple[list[Table], set[tuple[str, str]]]:
    """Tables so that a referenced table comes before its referrers where possible.

    Returns the order and the foreign keys ``(table, fk name)`` that must be added after all
    tables exist because they close a cycle.
    """
    order: list[Table] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done
    deferred: set[tuple[str, str]] = set()

    def visit(table: Table) -> None:
        state[table.name] = 1
        for fk in table.foreign_keys:
            target = schema.table(fk.ref_table)
            if target is None or fk.ref_table == table.name:
                continue
            if state.get(fk.ref_table) == 1:
                deferred.add((table.name, fk.name))
            elif fk.ref_table not in state:
                visit(target)
        state[table.name] = 2
        order.append(table)

    for table in schema.tables:
        if table.name not in state:
            visit(table)
    return order, deferred


def schema_ddl(schema: Schema) -> str:
    """The whole schema as one script: tables in dependency order, cyclic FKs after, views."""
    order, deferred = creation_order(schema)
    out = list(SCRIPT_HEADER)
    for table in order:
        kept = tuple(f for f in table.foreign_keys if (table.name, f.name) not in deferred)
        out.append(create_table(table.with_changes(foreign_keys=kept)))
    for table in order:
        for fk in table.foreign_keys:
            if (table.name, fk.name) in deferred:
                out.append(f"ALTER TABLE {ident(table.name)} ADD "
                           f"{foreign_key_definition(fk)};")
    out += [create_view(v) for v in schema.views]
    out += SCRIPT_FOOTER
    return "\n".join(out) + "\n"
