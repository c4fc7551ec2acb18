# SPDX-License-Identifier: LGPL-3.0-or-later
"""Model -> MariaDB DDL, in the layout of ``SHOW CREATE TABLE``.

The pieces (column, index, foreign-key definitions, table options) are shared by the schema
dump (:func:`schema_ddl`) and by the changeset planner's ALTER statements, so a column is
spelled the same way everywhere and keeps every attribute the model holds.

Views come after the tables, each after the views it reads, with the DEFINER the model holds and
inside ``SET character_set_client``/``collation_connection`` to the values the server recorded
with it. Not restored: a DEFINER the source did not name (a dump without it: the loading account
becomes the definer, as with the dump itself), and the client character set of a view whose
source never said it (the loading session's applies).
"""
from __future__ import annotations

import re

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


def definer_clause(definer: str | None) -> str:
    """``DEFINER=`user`@`host``` for ``user@host`` (empty when the model does not know it)."""
    if not definer:
        return ""
    user, _, host = definer.rpartition("@")
    return f" DEFINER={ident(user)}@{ident(host)}"


def create_view(view: View, or_replace: bool = False) -> str:
    head = "CREATE OR REPLACE" if or_replace else "CREATE"
    text = (f"{head} ALGORITHM={view.algorithm}{definer_clause(view.definer)} "
            f"SQL SECURITY {view.security} VIEW {ident(view.name)} AS {view.definition}")
    if view.check_option != "NONE":
        text += f" WITH {view.check_option} CHECK OPTION"
    return text + ";"


def view_session(view: View) -> tuple[list[str], list[str]]:
    """The statements that give the session the view's recorded client character set and
    connection collation before its CREATE VIEW (the server stores them with the view, and
    they decide the charset of its literals), and those that return to the script's own."""
    before = []
    if view.client_charset:
        before.append(f"SET character_set_client = {string(view.client_charset)};")
    if view.connection_collation:
        before.append(f"SET collation_connection = {string(view.connection_collation)};")
    after = ["SET character_set_client = utf8mb4;"] if view.client_charset else []
    if view.connection_collation:
        after.append("SET collation_connection = utf8mb4_general_ci;")
    return before, after


def view_dependencies(view: View, names: set[str]) -> set[str]:
    """The other views of ``names`` that ``view`` reads."""
    text = view.definition.lower()
    if not any(n.lower() in text for n in names if n != view.name):
        return set()  # names no other view: nothing to parse (ddl from the cache stays light)
    from ..changeset.sqlcheck import view_references  # the one parser of view definitions

    read = {t.lower() for t, _ in view_references(view.definition)}
    if not read:  # a definition the checker cannot parse: its quoted names will do
        read = {m.lower() for m in re.findall(r"`([^`]+)`", view.definition)}
    return {n for n in names if n.lower() in read and n != view.name}


def view_order(views) -> list[View]:
    """Views so that each comes after every view it reads (by name otherwise)."""
    by_name = {v.name: v for v in views}
    order: list[View] = []
    state: dict[str, int] = {}

    def visit(view: View) -> None:
        state[view.name] = 1
        for name in sorted(view_dependencies(view, set(by_name))):
            if name not in state:
                visit(by_name[name])
        state[view.name] = 2
        order.append(view)

    for view in sorted(by_name.values(), key=lambda v: v.name):
        if view.name not in state:
            visit(view)
    return order


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
    for view in view_order(schema.views):
        before, after = view_session(view)
        out += before + [create_view(view)] + after
    out += SCRIPT_FOOTER
    return "\n".join(out) + "\n"
