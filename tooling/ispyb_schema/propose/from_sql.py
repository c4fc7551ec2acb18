# SPDX-License-Identifier: LGPL-3.0-or-later
"""Hand-written update scripts (upstream's ``schemas/ispyb/updates/*.sql``) into proposals.

Each script runs on a scratch MariaDB loaded with the baseline and the scripts before it, one
statement at a time, as upstream runs them. The schema is read back from the server after each
run of schema statements; what changed becomes the steps (:func:`~.diff.schema_steps`), with
the renames the script's own ``CHANGE``/``RENAME`` clauses name (parsed with sqlglot) rather
than guessed. A data statement (INSERT, UPDATE, DELETE, REPLACE) stays where it was, as a
``sql`` step with ``schema_effect: none``, the rows it touched as its note and, where the
server can tell, the statements that undo it as its rollback. The ``SchemaStatus`` bracket
lines are dropped (``plan --format upstream`` writes the tool's own).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pymysql
import sqlglot
from sqlglot import exp

from ..errors import Diagnostic, InputError, SourceLoc
from ..importer.dialect import MariaDB
from ..importer.live import import_connection
from ..model import Schema
from ..render.quote import ident
from ..sqltext import split_statements
from .diff import Hints, Step, schema_steps
from .writer import ProposalText

E_SCRIPT = "E042"
_DATA = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_STATUS = re.compile(r"^\s*(INSERT\s+(IGNORE\s+)?INTO|UPDATE)\s+`?SchemaStatus`?\b", re.I)
_RENAME_TABLE = re.compile(r"^\s*RENAME\s+TABLES?\s+(.*)$", re.I | re.S)


@dataclass
class Converted:
    script: Path
    proposal: ProposalText
    statements: int
    dropped_status_lines: int


@dataclass
class _Segment:
    """Schema statements run together, or one data statement."""

    statements: list[tuple[int, str]] = field(default_factory=list)
    data: bool = False


def leading_comment(text: str) -> str:
    """The ``--`` / ``#`` / ``/* */`` comment lines a script starts with."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("--", "#")):
            lines.append(stripped.lstrip("-#").strip())
        elif stripped and not lines:
            break
        elif stripped:
            break
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def set_database_charset(conn, database: str, charset: str) -> None:
    """Give the scratch database the character set (and its default collation) a script's
    CREATE TABLE without one gets. MariaDB's own default is latin1, which upstream's updates
    met: the v4.10.0 release had to fix the collation of two tables created that way."""
    if not re.fullmatch(r"[A-Za-z0-9_]+", charset):
        raise InputError.single(SourceLoc("--database-charset"), f"{charset!r} is not a "
                                "character set name", E_SCRIPT)
    try:
        with conn.cursor() as cur:
            cur.execute(f"ALTER DATABASE {ident(database)} CHARACTER SET {charset}")
    except pymysql.MySQLError as err:
        raise InputError.single(SourceLoc("--database-charset"), str(err.args[-1]),
                                E_SCRIPT) from None


def convert_script(path: Path, conn, database: str, depends_on: list[str]) -> Converted:
    """Run ``path`` on ``database`` statement by statement and describe what it did."""
    text = _read(path)
    statements = list(split_statements(text))
    segments: list[_Segment] = []
    dropped = 0
    for line, statement in statements:
        if _STATUS.match(statement):
            dropped += 1
            continue
        is_data = statement.lstrip().split(None, 1)[0].upper() in _DATA
        if is_data or not segments or segments[-1].data:
            segments.append(_Segment(data=is_data))
        segments[-1].statements.append((line, statement))
    steps: list[Step] = []
    model = import_connection(conn, database)
    for segment in segments:
        if segment.data:
            line, statement = segment.statements[0]
            steps.append(_data_step(path, conn, model, line, statement))
            continue
        for line, statement in segment.statements:
            _run(path, conn, line, statement)
        after = import_connection(conn, database)
        found = schema_steps(model, after, _script_hints(segment.statements, model))
        if found.problems:
            raise InputError([Diagnostic(SourceLoc(str(path), segment.statements[0][0]),
                                         f"{d.loc}: {d.message}", d.code)
                              for d in found.problems])
        steps += found.steps
        model = after
    pid = path.stem
    comment = leading_comment(text)
    motivation = (f"Converted by `ispyb-schema propose --from-sql` from the update script "
                  f"`{path.name}` ({len(statements)} statements; the {dropped} SchemaStatus "
                  "bracket lines dropped).\n")
    if comment:
        motivation += "\nThe script's leading comment:\n\n" + "\n".join(
            f"> {line}" if line else ">" for line in comment.splitlines()) + "\n"
    proposal = ProposalText(id=pid, title=f"Update script {path.name}", motivation=motivation,
                            steps=steps, accept_loss=True, depends_on=depends_on)
    return Converted(path, proposal, len(statements), dropped)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError.single(SourceLoc(str(path)), f"cannot read the script: {err.strerror}",
                                E_SCRIPT) from None
    except UnicodeDecodeError as err:
        raise InputError.single(SourceLoc(str(path)), f"not UTF-8 ({err.reason})",
                                E_SCRIPT) from None


def _run(path: Path, conn, line: int, statement: str) -> int:
    try:
        with conn.cursor() as cur:
            return cur.execute(statement)
    except pymysql.MySQLError as err:
        code, message = (err.args + ("",))[:2]
        first = " ".join(statement.split())[:120]
        raise InputError.single(SourceLoc(str(path), line), (
            f"the statement at line {line} failed on MariaDB: ERROR {code}: {message} "
            f"(statement: {first})"), E_SCRIPT) from None


def _script_hints(statements: list[tuple[int, str]], model: Schema) -> Hints:
    """Renames the statements say: ALTER TABLE … CHANGE a b / RENAME COLUMN / RENAME TO,
    RENAME TABLE a TO b."""
    tables: dict[str, str] = {}
    columns: dict[tuple[str, str], str] = {}
    for _, statement in statements:
        renamed = _RENAME_TABLE.match(statement)
        if renamed:
            for pair in renamed.group(1).split(","):
                words = [w.strip("`") for w in pair.split()]
                if len(words) == 3 and words[1].upper() == "TO":
                    tables[words[0]] = words[2]
            continue
        try:
            tree = sqlglot.parse_one(statement, read=MariaDB)
        except sqlglot.errors.SqlglotError:
            continue
        if not isinstance(tree, exp.Alter):
            continue
        table = tree.this.name
        for action in tree.args.get("actions") or []:
            if isinstance(action, exp.ModifyColumn) and action.args.get("rename_from"):
                columns[(table, action.args["rename_from"].name)] = action.this.name
            elif isinstance(action, exp.RenameColumn):
                columns[(table, action.this.name)] = action.args["to"].name
            elif isinstance(action, exp.AlterRename):
                tables[table] = action.this.name
    # a column hint names the table as the script does: before its rename
    back = {new: old for old, new in tables.items()}
    fixed = {}
    for (table, old), new in columns.items():
        original = back.get(table, table)
        if model.table(original) is not None and model.table(original).column(old) is not None:
            fixed[(original, model.table(original).column(old).name)] = new
    return Hints({a: b for a, b in tables.items() if model.table(a) is not None}, fixed)


def _data_step(path: Path, conn, model: Schema, line: int, statement: str) -> Step:
    """A data statement as a sql step: run it, state its effect, undo it if the server can."""
    undo = _undo(conn, model, statement)
    rows = _run(path, conn, line, statement)
    verb = statement.lstrip().split(None, 1)[0].upper()

    body: dict = {"forward": " ".join(statement.split()) if len(statement) < 200 else statement,
                  "schema_effect": "none",
                  "note": f"Data only (line {line} of {path.name}): {verb} touched {rows} "
                          f"row{'s' if rows != 1 else ''} on the scratch copy of the baseline."}
    comment = []
    if undo:
        body["rollback"] = ";\n".join(undo) + ";"
    else:
        comment.append(f"rollback: write the statements that undo this {verb} (rollback: "
                       "...); the tool cannot know what it overwrites on your database")
    return Step("sql", body, comment)


def _undo(conn, model: Schema, statement: str) -> list[str] | None:
    """The statement that undoes an INSERT … VALUES naming the primary key (its rows deleted
    again); None for anything else: what an UPDATE or DELETE overwrote on the target is not
    known here (the scratch copy's rows are not the target's)."""
    if re.match(r"\s*INSERT\s+(IGNORE|DELAYED|HIGH_PRIORITY|LOW_PRIORITY)\b", statement, re.I):
        return None  # rows that were there already would be deleted too
    try:
        tree = sqlglot.parse_one(statement, read=MariaDB)
    except sqlglot.errors.SqlglotError:
        return None
    if not (isinstance(tree, exp.Insert) and isinstance(tree.expression, exp.Values)):
        return None
    target = tree.this
    table = model.table(target.this.name if isinstance(target, exp.Schema) else target.name)
    columns = [c.name for c in target.expressions] if isinstance(target, exp.Schema) else []
    key = table.primary_key.columns if table and table.primary_key else ()
    if not key or not all(k in columns for k in key):
        return None
    tuples = []
    for row in tree.expression.expressions:
        values = [row.expressions[columns.index(k)].sql(dialect=MariaDB) for k in key]
        tuples.append("(" + ", ".join(values) + ")")
    where = f"({', '.join(ident(k) for k in key)}) IN ({', '.join(tuples)})"
    return [f"DELETE FROM {ident(table.name)} WHERE {where}"]


