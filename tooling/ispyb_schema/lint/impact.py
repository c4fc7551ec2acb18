# SPDX-License-Identifier: LGPL-3.0-or-later
"""Impact: every view, routine, trigger and grant that names a table or column a proposal
drops, renames or changes, with the line in the object's text.

Each statement of an object's body is parsed with sqlglot where it can be (tables resolved
through aliases, unqualified columns through the model); where it cannot (cursors, handlers,
flow control), a token-level search still finds the names and their lines. Every hit says
which method found it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from ..changeset.operations.columns import DropColumn, ModifyColumn, RenameColumn
from ..changeset.operations.enums import ChangeEnum
from ..changeset.operations.tables import DropTable, RenameTable
from ..changeset.sqlcheck import dialect
from ..model import Schema
from .context import LintContext, Step
from .sources import DbObject, Grant

_BODY_START = {"procedure": r"\bBEGIN\b", "function": r"\bBEGIN\b|\bRETURN\b",
               "trigger": r"\bON\b", "event": r"\bDO\b", "view": r"\bAS\b"}


@dataclass(frozen=True)
class Target:
    """A table or column the proposal drops, renames or changes."""

    table: str
    column: str | None
    change: str   # "dropped", "renamed to X", "changed from T1 to T2"
    breaks: bool  # dropped or renamed: readers stop working
    step: Step

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column}" if self.column else self.table


@dataclass(frozen=True)
class Hit:
    target: Target
    obj: DbObject | Grant
    line: int    # in the object's text (1 = its first line)
    method: str  # "sqlglot", "tokens" or "grant"

    @property
    def where(self) -> str:
        """``file:line`` in the dump, or the object's own line for a live server."""
        if self.obj.file:
            return f"{self.obj.file}:{self.obj.line + self.line - 1}"
        return f"line {self.line}"

    @property
    def what(self) -> str:
        if isinstance(self.obj, Grant):
            return f"grant {self.obj.privileges} on {self.obj.table} to {self.obj.grantee}"
        return f"{self.obj.kind} {self.obj.name}"

    def __str__(self) -> str:
        body = "" if isinstance(self.obj, Grant) else f" (line {self.line} of its text)"
        return (f"{self.where}: {self.what}{body} uses {self.target.name}, "
                f"{self.target.change} at {self.target.step.label} [{self.method}]")


def targets(ctx: LintContext) -> list[Target]:
    out = []
    for step in ctx.steps:
        op = step.op
        if isinstance(op, DropTable):
            out.append(Target(op.name, None, "dropped", True, step))
        elif isinstance(op, RenameTable):
            out.append(Target(op.old, None, f"renamed to {op.new}", True, step))
        elif isinstance(op, DropColumn):
            out.append(Target(op.table, op.column, "dropped", True, step))
        elif isinstance(op, RenameColumn) and op.old.lower() != op.new.lower():
            # a case-only rename breaks no SQL: column names are case-insensitive
            out.append(Target(op.table, op.old, f"renamed to {op.new}", True, step))
        elif isinstance(op, (ModifyColumn, ChangeEnum)):
            table = step.before.table(op.table)
            old = table.column(op.column)
            new = step.after.table(op.table).column(op.column)
            if (old.type, old.nullable) != (new.type, new.nullable):
                null = "" if old.nullable == new.nullable else " NOT NULL" if not new.nullable \
                    else " NULL"
                out.append(Target(op.table, old.name, f"changed from {old.type} to "
                                                      f"{new.type}{null}", False, step))
    return [t for t in out if not ctx.created_before(t.step, t.table, t.column)]


class ImpactIndex:
    """The objects and grants to search; ``hits`` answers for one proposal."""

    def __init__(self, objects: list[DbObject], grants: list[Grant]) -> None:
        self.objects, self.grants = objects, grants
        self._cache: dict[int, list[Hit]] = {}

    def hits(self, ctx: LintContext) -> list[Hit]:
        if id(ctx) not in self._cache:
            wanted = targets(ctx)
            found = [h for obj in self.objects for h in object_hits(obj, wanted, ctx.base)]
            found += [h for grant in self.grants for h in grant_hits(grant, wanted)]
            self._cache[id(ctx)] = found
        return self._cache[id(ctx)]


def grant_hits(grant: Grant, wanted: list[Target]) -> list[Hit]:
    hits = []
    for target in wanted:
        if not target.breaks or grant.table.lower() != target.table.lower():
            continue
        columns = {c.lower() for c in grant.columns}
        if target.column is None or target.column.lower() in columns:
            hits.append(Hit(target, grant, 1, "grant"))
    return hits


def object_hits(obj: DbObject, wanted: list[Target], model: Schema) -> list[Hit]:
    """Every (target, line) the object's body names, each found once."""
    if not wanted:
        return []
    hits: dict[tuple, Hit] = {}
    for line, fragment in _fragments(obj):
        node = _parsed(fragment, line)
        found = _tree_hits(node, wanted, model) if node is not None else \
            _token_hits(fragment, line, wanted)
        for target, at in found:
            method = "tokens" if node is None else "sqlglot"
            hits.setdefault((target, at), Hit(target, obj, at, method))
    return sorted(hits.values(), key=lambda h: (h.line, h.target.name))


def _fragments(obj: DbObject) -> list[tuple[int, str]]:
    """The body's statements, split at top-level ``;``, each with the line it starts on."""
    start = re.search(_BODY_START[obj.kind], obj.text, re.IGNORECASE)
    offset = start.end() if start and obj.text.lstrip().upper().startswith("CREATE") else 0
    body, out, begin, quote = obj.text, [], offset, None
    for i in range(offset, len(body)):
        ch = body[i]
        if quote:
            quote = None if ch == quote and body[i - 1] != "\\" else quote
        elif ch in "'\"`":
            quote = ch
        elif ch == ";":
            out.append((begin, body[begin:i]))
            begin = i + 1
    out.append((begin, body[begin:]))
    return [(body.count("\n", 0, b) + 1, text) for b, text in out if text.strip()]


def _parsed(fragment: str, line: int) -> exp.Expression | None:
    """The fragment as a sqlglot tree (line numbers kept), or None if it is not plain SQL."""
    try:
        statements = sqlglot.parse("\n" * (line - 1) + fragment, read=dialect())
    except (ParseError, TokenError):
        return None
    if len(statements) != 1 or statements[0] is None or \
            isinstance(statements[0], exp.Command):
        return None
    return statements[0]


def _line(node: exp.Expression) -> int:
    for candidate in (node, *node.walk()):
        meta = getattr(candidate, "meta", None) or {}
        if meta.get("line"):
            return meta["line"]
    return 1


def _tree_hits(node: exp.Expression, wanted: list[Target], model: Schema):
    ctes = {c.alias_or_name.lower() for c in node.find_all(exp.CTE)}
    tables = [t for t in node.find_all(exp.Table) if t.name.lower() not in ctes]
    aliases = {(t.alias or t.name).lower(): t.name for t in tables}
    names = {t.name.lower(): t.name for t in tables}
    refs = [(t.name, None, t.this) for t in tables]
    for column in node.find_all(exp.Column):
        qualifier = column.table.lower()
        if qualifier:
            owners = [aliases[qualifier]] if qualifier in aliases else []
        else:
            owners = [n for n in names.values() if len(names) == 1 or (
                model.table(n) is not None and model.table(n).column(column.name))]
        refs += [(owner, column.name, column.this) for owner in owners]
    for schema in node.find_all(exp.Schema):  # INSERT INTO t (a, b)
        if isinstance(schema.this, exp.Table):
            refs += [(schema.this.name, i.name, i) for i in schema.expressions
                     if isinstance(i, exp.Identifier)]
    for table, column, at in refs:
        for target in wanted:
            if table.lower() == target.table.lower() and (
                    target.column is None or (column or "").lower() == target.column.lower()):
                yield target, _line(at)


def _token_hits(fragment: str, line: int, wanted: list[Target]):
    try:
        tokens = sqlglot.tokenize("\n" * (line - 1) + fragment, read="mysql")
        words = [(t.text.lower(), t.line) for t in tokens if t.token_type != TokenType.STRING]
    except TokenError:  # not even tokens: plain words
        words = [(w.group().lower(), line + fragment.count("\n", 0, w.start()))
                 for w in re.finditer(r"\w+", fragment)]
    present = {w for w, _ in words}
    for word, at in words:
        for target in wanted:
            if target.column is None and word == target.table.lower():
                yield target, at
            elif target.column and word == target.column.lower() and \
                    target.table.lower() in present:
                yield target, at
