# SPDX-License-Identifier: LGPL-3.0-or-later
"""Read a model from a live server's ``information_schema``.

Eight queries per database, whatever its size and whatever else the server holds: each is
restricted to the one schema (MariaDB cannot push that restriction into a join of two
information_schema views, so foreign keys and their rules are read apart and joined here); the
rows are grouped in Python. The result is
in the same canonical form the dump importer produces, so the two can be compared.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection
from urllib.parse import unquote, urlparse

import pymysql

from ..connection import connect, redact, tls_for
from ..errors import EnvironmentProblem, InputError, SourceLoc
from ..render.quote import ident
from ..model import (
    Check,
    Column,
    ColumnType,
    ForeignKey,
    Generated,
    Index,
    IndexPart,
    Schema,
    Table,
    TypeSyntaxError,
    View,
)

_COMPRESSED = "/*M!100301 COMPRESSED*/"
_ROW_FORMAT_RE = re.compile(r"row_format=(\w+)", re.I)

Q_TABLES = """
SELECT t.TABLE_NAME, t.TABLE_TYPE, t.ENGINE, t.TABLE_COLLATION, t.TABLE_COMMENT,
       t.CREATE_OPTIONS, c.CHARACTER_SET_NAME
FROM information_schema.TABLES t
LEFT JOIN information_schema.COLLATIONS c ON c.COLLATION_NAME = t.TABLE_COLLATION
WHERE t.TABLE_SCHEMA = %s"""
Q_COLUMNS = """
SELECT TABLE_NAME, COLUMN_NAME, COLUMN_DEFAULT, IS_NULLABLE, COLUMN_TYPE, EXTRA,
       CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_COMMENT, GENERATION_EXPRESSION
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s
ORDER BY TABLE_NAME, ORDINAL_POSITION"""
Q_INDEXES = """
SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, COLLATION, INDEX_TYPE,
       INDEX_COMMENT
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"""
Q_KEY_COLUMNS = """
SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
FROM information_schema.KEY_COLUMN_USAGE
WHERE TABLE_SCHEMA = %s AND REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION"""
Q_FK_RULES = """
SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE
FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = %s"""
Q_CHECKS = """
SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL
FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = %s"""
Q_VIEWS = """
SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE, ALGORITHM, DEFINER,
       CHARACTER_SET_CLIENT, COLLATION_CONNECTION
FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s"""


def parse_url(url: str) -> dict:
    """``mysql://user:pass@host:port/db?ssl-mode=…`` -> :func:`connect` keyword arguments."""
    parts = urlparse(url)
    if parts.scheme not in ("mysql", "mariadb"):
        raise InputError.single(SourceLoc(url), "expected a URL like mysql://user:pass@host:port/db")
    host = parts.hostname or "127.0.0.1"
    return {
        "tls": tls_for(host, parts.query, where=redact(url)),
        "host": host,
        "port": parts.port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "database": unquote(parts.path.lstrip("/")) or None,
    }


def connect_url(url: str):
    """An open connection to the server in ``url`` and the database the URL names."""
    args = parse_url(url)
    database = args.pop("database")
    if not database:
        raise InputError.single(SourceLoc(url), "the URL must name a database: mysql://…/DB")
    try:
        return connect(**args, charset="utf8mb4"), database
    except pymysql.MySQLError as err:
        raise EnvironmentProblem(f"cannot connect to {args['host']}:{args['port']}: {err}") from None


def import_url(url: str) -> Schema:
    """Import the database named in ``url``."""
    conn, database = connect_url(url)
    try:
        return import_connection(conn, database)
    finally:
        conn.close()


def import_connection(conn, database: str, tables: Collection[str] | None = None, *,
                      views: bool = True) -> Schema:
    """Import ``database`` over an open PyMySQL connection (read-only queries). ``tables``:
    read only these tables (a name not on the server is left out); ``views``: read every
    view (else none)."""
    if tables is not None and not tables:
        return Schema((), import_views(conn, database) if views else ())
    with conn.cursor(pymysql.cursors.DictCursor) as cur:
        names = sorted(tables) if tables is not None else []
        only = f" AND TABLE_NAME IN ({', '.join(['%s'] * len(names))})" if names else ""

        def rows(query: str) -> list[dict]:
            head, order, tail = query.partition("\nORDER BY")
            cur.execute(head + only + order + tail, (database, *names))
            return list(cur.fetchall())

        table_rows = rows(Q_TABLES)
        if not table_rows and tables is None:
            cur.execute("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA "
                        "WHERE SCHEMA_NAME = %s", (database,))
            if cur.fetchone() is None:
                raise InputError.single(SourceLoc(database), "no such database on the server")
        columns, indexes = _group(rows(Q_COLUMNS)), _group(rows(Q_INDEXES))
        fks = _group(foreign_key_rows(rows(Q_KEY_COLUMNS), rows(Q_FK_RULES)))
        checks = _group(rows(Q_CHECKS))
    read_views = import_views(conn, database) if views else ()
    tables = [
        _table(r, columns[r["TABLE_NAME"]], indexes[r["TABLE_NAME"]], fks[r["TABLE_NAME"]],
               checks[r["TABLE_NAME"]])
        for r in table_rows if r["TABLE_TYPE"] == "BASE TABLE"
    ]
    return Schema(tuple(tables), tuple(read_views))


def import_foreign_keys(conn, database: str, tables: Collection[str]
                        ) -> dict[str, tuple[ForeignKey, ...]]:
    """The foreign keys of ``tables`` (each table on the server gets an entry)."""
    names = sorted(tables)
    if not names:
        return {}
    only = f" AND TABLE_NAME IN ({', '.join(['%s'] * len(names))})"
    with conn.cursor(pymysql.cursors.DictCursor) as cur:
        def rows(query: str) -> list[dict]:
            head, order, tail = query.partition("\nORDER BY")
            cur.execute(head + only + order + tail, (database, *names))
            return list(cur.fetchall())
        fks = _group(foreign_key_rows(rows(Q_KEY_COLUMNS), rows(Q_FK_RULES)))
    return {name: _foreign_keys(fks[name]) for name in names}


def import_views(conn, database: str) -> tuple[View, ...]:
    """Every view of ``database``."""
    with conn.cursor(pymysql.cursors.DictCursor) as cur:
        cur.execute(Q_VIEWS, (database,))
        return tuple(_view(r, _view_query(cur, database, r["TABLE_NAME"]))
                     for r in list(cur.fetchall()))


def foreign_key_rows(key_columns: list[dict], rules: list[dict]) -> list[dict]:
    """Each foreign-key column with its constraint's ON UPDATE/ON DELETE rules: the inner join
    of KEY_COLUMN_USAGE and REFERENTIAL_CONSTRAINTS on table and constraint name."""
    by_name = {(r["TABLE_NAME"], r["CONSTRAINT_NAME"]): r for r in rules}
    return [{**k, "UPDATE_RULE": rule["UPDATE_RULE"], "DELETE_RULE": rule["DELETE_RULE"]}
            for k in key_columns
            if (rule := by_name.get((k["TABLE_NAME"], k["CONSTRAINT_NAME"]))) is not None]


def _group(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        out[row["TABLE_NAME"]].append(row)
    return out


def _table(row, col_rows, index_rows, fk_rows, check_rows) -> Table:
    name = row["TABLE_NAME"]
    collation = row["TABLE_COLLATION"]
    column_checks = {r["CONSTRAINT_NAME"]: r["CHECK_CLAUSE"] for r in check_rows
                     if r["LEVEL"] == "Column"}
    row_format = _ROW_FORMAT_RE.search(row["CREATE_OPTIONS"] or "")
    return Table(
        name=name,
        columns=tuple(_column(name, r, collation, column_checks) for r in col_rows),
        indexes=_indexes(index_rows),
        foreign_keys=_foreign_keys(fk_rows),
        checks=tuple(Check(r["CONSTRAINT_NAME"], r["CHECK_CLAUSE"]) for r in check_rows
                     if r["LEVEL"] != "Column"),
        engine=row["ENGINE"],
        charset=row["CHARACTER_SET_NAME"],
        collation=collation,
        comment=row["TABLE_COMMENT"] or "",
        row_format=row_format.group(1).upper() if row_format else None,
    )


def _column(table: str, r: dict, table_collation: str, checks: dict[str, str]) -> Column:
    type_text, compressed = r["COLUMN_TYPE"], False
    if _COMPRESSED in type_text:
        type_text, compressed = type_text.replace(_COMPRESSED, "").strip(), True
    try:
        ctype = ColumnType.parse(type_text)
    except TypeSyntaxError as err:
        raise InputError.single(SourceLoc(f"{table}.{r['COLUMN_NAME']}"), str(err)) from None
    extra = (r["EXTRA"] or "").lower()
    generated = None
    if "generated" in extra:
        generated = Generated(r["GENERATION_EXPRESSION"], stored="stored" in extra)
    on_update = None
    if "on update " in extra:
        on_update = extra.split("on update ", 1)[1].strip()
    charset, collation = r["CHARACTER_SET_NAME"], r["COLLATION_NAME"]
    if collation == table_collation:
        charset = collation = None
    return Column(
        name=r["COLUMN_NAME"],
        type=ctype,
        nullable=r["IS_NULLABLE"] == "YES",
        default=None if generated else r["COLUMN_DEFAULT"],
        on_update=on_update,
        auto_increment="auto_increment" in extra,
        charset=charset,
        collation=collation,
        comment=r["COLUMN_COMMENT"] or "",
        generated=generated,
        compressed=compressed,
        check=checks.get(r["COLUMN_NAME"]),
    )


def _indexes(rows: list[dict]) -> tuple[Index, ...]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        grouped[r["INDEX_NAME"]].append(r)
    out = []
    for name, parts in grouped.items():
        first = parts[0]
        if name == "PRIMARY":
            kind = "PRIMARY"
        elif first["INDEX_TYPE"] in ("FULLTEXT", "SPATIAL"):
            kind = first["INDEX_TYPE"]
        else:
            kind = "INDEX" if int(first["NON_UNIQUE"]) else "UNIQUE"
        out.append(Index(
            name,
            # a SPATIAL key reports SUB_PART 32 (its MBR), which no DDL can say: whole column
            tuple(IndexPart(p["COLUMN_NAME"], None if kind == "SPATIAL" else p["SUB_PART"],
                            p["COLLATION"] == "D") for p in parts),
            kind,
            first["INDEX_COMMENT"] or "",
        ))
    return tuple(out)


def _foreign_keys(rows: list[dict]) -> tuple[ForeignKey, ...]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        grouped[r["CONSTRAINT_NAME"]].append(r)
    return tuple(
        ForeignKey(
            name,
            tuple(p["COLUMN_NAME"] for p in parts),
            parts[0]["REFERENCED_TABLE_NAME"],
            tuple(p["REFERENCED_COLUMN_NAME"] for p in parts),
            on_delete=parts[0]["DELETE_RULE"],
            on_update=parts[0]["UPDATE_RULE"],
        )
        for name, parts in grouped.items()
    )


def _view_query(cur, database: str, name: str) -> str:
    """The view's SELECT as SHOW CREATE VIEW gives it with ``database`` as the default one:
    without the database qualifier that information_schema.VIEWS puts on every name."""
    cur.execute("SELECT DATABASE() AS db")
    previous = cur.fetchone()["db"]
    cur.execute(f"USE {ident(database)}")
    try:
        cur.execute(f"SHOW CREATE VIEW {ident(name)}")
        create = cur.fetchone()["Create View"]
    finally:
        if previous and previous != database:
            cur.execute(f"USE {ident(previous)}")
    query = create.split(f" VIEW {ident(name)} AS ", 1)[1]
    # SHOW CREATE VIEW ends with the check option, which the model keeps apart (check_option)
    return _CHECK_OPTION_TAIL.sub("", query)


_CHECK_OPTION_TAIL = re.compile(r"\s+WITH\s+(?:CASCADED\s+|LOCAL\s+)?CHECK\s+OPTION\s*$", re.I)


def _view(r: dict, query: str) -> View:
    return View(
        name=r["TABLE_NAME"],
        definition=query,
        algorithm=r["ALGORITHM"],
        security=r["SECURITY_TYPE"],
        check_option=r["CHECK_OPTION"] if r["CHECK_OPTION"] not in (None, "NONE") else "NONE",
        definer=r["DEFINER"] or None,
        client_charset=r["CHARACTER_SET_CLIENT"] or None,
        connection_collation=r["COLLATION_CONNECTION"] or None,
    )
