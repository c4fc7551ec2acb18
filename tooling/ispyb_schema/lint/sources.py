# SPDX-License-Identifier: LGPL-3.0-or-later
"""The database objects that read the schema: views, stored procedures and functions,
triggers and events, and grants — from dumps (``mariadb-dump --routines --triggers``,
``SHOW GRANTS`` output, upstream's role files ``grants/*.sql``) or from a live server.

A baseline's routines and grants are found by :func:`baseline_sources`: explicit files, the
project's settings for its own baseline, or ``routines.sql`` and ``grants/`` beside a dump.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, SourceLoc
from ..importer.live import connect_url
from ..render.quote import ident
from ..sqltext import blank_comments, split_statements


@dataclass(frozen=True)
class DbObject:
    """A view, routine, trigger or event: its whole text and where that text starts (line 1 of
    a live server's definition)."""

    kind: str
    name: str
    text: str
    file: str | None = None
    line: int = 1


@dataclass(frozen=True)
class Grant:
    """A privilege granted on a table (``kind`` "table"; ``*`` for every table of the
    database), on a stored routine ("procedure", "function": EXECUTE), or a role granted to a
    role or user ("role": ``table`` is the role's name, ``privileges`` empty)."""

    grantee: str
    table: str
    columns: tuple[str, ...]  # column-level privileges; () for the whole table
    privileges: str
    file: str | None = None
    line: int = 1
    kind: str = "table"

    @property
    def who(self) -> str:
        """The grantee without quotes; a role's or a ``user@%`` account's bare name."""
        return account(self.grantee)

    @property
    def privilege_names(self) -> tuple[str, ...]:
        """``SELECT (a, b), UPDATE`` -> ``("SELECT", "UPDATE")``."""
        return tuple(" ".join(p.split()).upper() for p in
                     re.sub(r"\([^)]*\)", "", self.privileges).split(",") if p.strip())


_HEAD = re.compile(
    r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:ALGORITHM\s*=\s*\w+\s+)?(?:DEFINER\s*=\s*\S+\s+)?"
    r"(?:SQL\s+SECURITY\s+\w+\s+)?(?:AGGREGATE\s+)?(?P<kind>VIEW|PROCEDURE|FUNCTION|TRIGGER|"
    r"EVENT)\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>[`\w.$]+)", re.IGNORECASE)
_GRANT = re.compile(
    r"GRANT\s+(?P<privileges>.+?)\s+ON\s+(?:(?P<kind>TABLE|PROCEDURE|FUNCTION)\s+)?"
    r"(?P<object>[`\w.*$]+)\s+TO\s+(?P<grantee>[^\s;,]+)", re.IGNORECASE | re.DOTALL)
_ROLE_GRANT = re.compile(r"GRANT\s+(?P<roles>[`'\w$@%.\s,]+?)\s+TO\s+(?P<grantees>[^;]+?)"
                         r"(?:\s+WITH\s+ADMIN\s+OPTION)?\s*$", re.IGNORECASE | re.DOTALL)
_OTHER_DATABASES = {"mysql", "information_schema", "performance_schema", "sys"}


def account(name: str) -> str:
    """```ispyb_web`@`%``` and ``'ispyb_web'`` -> ``ispyb_web``; ``u@'host'`` -> ``u@host``."""
    user, _, host = name.strip().partition("@")
    user, host = user.strip("`'\""), host.strip("`'\"")
    return user if host in ("", "%") else f"{user}@{host}"


def unquote(name: str) -> str:
    """The last part of a possibly qualified, backquoted name: ```db`.`t``` -> ``t``."""
    return name.split(".")[-1].strip("`")


def split_dump(text: str) -> list[tuple[int, str]]:
    """``(line, statement)`` of a routines dump, comments blanked and the content of
    executable comments kept, so a statement's lines are the dump's lines."""
    return list(split_statements(blank_comments(text)))


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError.single(SourceLoc(str(path)), f"cannot read the {what}: {err}") from None


def shown(file: str) -> str:
    """A routines or grants file as findings name it: relative to the working directory (so a
    report or a page built from the project says ``../shared/…``, not this machine's path)."""
    if not file or "://" in file:
        return file
    try:
        return os.path.relpath(file)
    except ValueError:  # another drive
        return file


def read_routines(path: str | Path) -> list[DbObject]:
    """The views, routines, triggers and events of a dump file."""
    path = Path(path)
    text = _read(path, "dump")
    objects = []
    for line, statement in split_dump(text):
        head = _HEAD.match(statement)
        if head:
            objects.append(DbObject(head["kind"].lower(), unquote(head["name"]), statement,
                                    str(path), line))
    return objects


def read_grants(path: str | Path) -> list[Grant]:
    """The grants of a file of GRANT statements — ``SHOW GRANTS`` output or upstream's role
    files (``CREATE ROLE``, roles granted to roles, unqualified table names) — or of every
    ``*.sql`` file of a folder, in name order. Grants on other databases (``mysql.user``) and
    on everything (``*.*``) are left out."""
    path = Path(path)
    if path.is_dir():
        return [g for file in sorted(path.glob("*.sql")) for g in read_grants(file)]
    text = _read(path, "grants")
    return [g for line, statement in split_dump(text)
            for g in _statement_grants(statement.strip(), str(path), line)]


def _statement_grants(statement: str, file: str, line: int) -> list[Grant]:
    found = _GRANT.match(statement)
    if found:
        database, _, name = found["object"].replace("`", "").rpartition(".")
        if database == "*" or database.lower() in _OTHER_DATABASES:
            return []  # every database, or another one
        columns = tuple(unquote(c.strip()) for group in
                        re.findall(r"\(([^)]*)\)", found["privileges"]) for c in group.split(","))
        return [Grant(found["grantee"], name, columns,
                      " ".join(found["privileges"].split()), file, line,
                      (found["kind"] or "table").lower())]
    found = _ROLE_GRANT.match(statement)
    if not found or re.search(r"\bON\b", found["roles"], re.IGNORECASE):
        return []
    return [Grant(grantee.strip(), account(role), (), "", file, line, "role")
            for role in found["roles"].split(",") for grantee in found["grantees"].split(",")]


def baseline_sources(baseline: str, routines: str | None,
                     grants: str | None) -> tuple[Path | None, Path | None]:
    """The routines dump and the grants (file or folder) of a baseline SOURCE: ``routines`` /
    ``grants`` when given (the project's settings for its own baseline, or the options),
    else ``routines.sql`` and ``grants/`` (or ``grants.sql``) beside a dump file or in a
    folder, else None."""
    if "://" in baseline:
        return (Path(routines) if routines else None, Path(grants) if grants else None)
    place = Path(baseline)
    folder = place if place.is_dir() else place.parent
    found_routines = Path(routines) if routines else _existing(folder / "routines.sql")
    found_grants = Path(grants) if grants else (_existing(folder / "grants")
                                                or _existing(folder / "grants.sql"))
    return found_routines, found_grants


def _existing(path: Path) -> Path | None:
    return path if path.exists() else None


def read_live(url: str) -> tuple[list[DbObject], list[Grant]]:
    """Views, routines, triggers and grants of the database named in ``url``."""
    conn, database = connect_url(url)
    try:
        with conn.cursor() as cur:
            return _live_objects(cur, database), _live_grants(cur, database)
    finally:
        conn.close()


def _live_objects(cur, database: str) -> list[DbObject]:
    objects = []
    cur.execute("SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS "
                "WHERE TABLE_SCHEMA = %s", (database,))
    objects += [DbObject("view", name, text) for name, text in cur.fetchall()]
    cur.execute("SELECT ROUTINE_TYPE, ROUTINE_NAME, ROUTINE_DEFINITION FROM "
                "information_schema.ROUTINES WHERE ROUTINE_SCHEMA = %s", (database,))
    objects += [DbObject(kind.lower(), name, text or "") for kind, name, text in cur.fetchall()]
    cur.execute("SELECT TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, "
                "ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s",
                (database,))
    # the body with its header in front, on its first line: body lines keep their numbers
    objects += [DbObject("trigger", name, f"CREATE TRIGGER {ident(name)} {timing} {event} ON "
                                          f"{ident(table)} FOR EACH ROW {body}")
                for name, timing, event, table, body in cur.fetchall()]
    return objects


def _live_grants(cur, database: str) -> list[Grant]:
    cur.execute("SELECT GRANTEE, TABLE_NAME, PRIVILEGE_TYPE FROM "
                "information_schema.TABLE_PRIVILEGES WHERE TABLE_SCHEMA = %s", (database,))
    grants = [Grant(who, table, (), privilege) for who, table, privilege in cur.fetchall()]
    cur.execute("SELECT GRANTEE, TABLE_NAME, COLUMN_NAME, PRIVILEGE_TYPE FROM "
                "information_schema.COLUMN_PRIVILEGES WHERE TABLE_SCHEMA = %s", (database,))
    return grants + [Grant(who, table, (column,), privilege)
                     for who, table, column, privilege in cur.fetchall()]
