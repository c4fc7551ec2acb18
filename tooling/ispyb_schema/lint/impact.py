# SPDX-License-Identifier: LGPL-3.0-or-later
"""Impact: every view, routine, trigger and grant that names a table or column a proposal
drops, renames or changes, with the line in the object's text.

Each statement of an object's body is parsed with sqlglot where it can be (tables resolved
through aliases, unqualified columns through the model; a statement behind flow control from
its first keyword on); where it cannot, a token-level search finds the names and their lines,
attributing a column to a table only through the statement's own aliases and FROM/JOIN/
UPDATE/INTO tables. A trigger's NEW and OLD are rows of its table. Every hit says which method
found it. :class:`ImpactIndex` also says what each role loses (:class:`Loss`).
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
from ..changeset.sqlcheck import dialect, view_references
from ..model import Schema
from .context import LintContext, Step
from .sources import DbObject, Grant, read_grants, read_live, read_routines, shown

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
            return f"{shown(self.obj.file)}:{self.obj.line + self.line - 1}"
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


@dataclass(frozen=True)
class Loss:
    """What a role (or account) can no longer do once the proposal is applied."""

    role: str
    privileges: tuple[str, ...]
    on: str      # "table EnergyScan", "column DataCollection.x", "procedure sp_upsert_dc"
    why: str
    step: Step
    grant: Grant
    via: str | None = None  # the role it holds the privilege through

    def __str__(self) -> str:
        through = f" (through role {self.via})" if self.via else ""
        return f"{self.role} loses {', '.join(self.privileges)} on {self.on}{through}: {self.why}"


def baseline_index(baseline: str | None, routines: str | None = None,
                   grants: str | None = None, live: str | None = None) -> "ImpactIndex | None":
    """The routines and grants of a baseline (``baseline`` None: the project's): the files
    given, else the baseline's own (:func:`~ispyb_schema.config.baseline_routines`); with
    ``live`` (a URL) the server's, plus the files given; None when there is none of them."""
    from ..config import baseline_routines

    routines_path, grants_path = baseline_routines(baseline, routines, grants) \
        if routines or grants or not live else (None, None)  # --db alone: the server's own
    if not (routines_path or grants_path or live):
        return None
    objects = read_routines(routines_path) if routines_path else []
    granted = read_grants(grants_path) if grants_path else []
    if live:
        more_objects, more_grants = read_live(live)
        objects, granted = objects + more_objects, granted + more_grants
    return ImpactIndex(objects, granted,
                       tuple(str(p) for p in (routines_path, grants_path) if p) +
                       (("the live database",) if live else ()))


class ImpactIndex:
    """The objects and grants to search; ``hits`` answers for one proposal, ``losses`` says
    what each role loses. ``sources`` names where they were read from."""

    def __init__(self, objects: list[DbObject], grants: list[Grant],
                 sources: tuple[str, ...] = ()) -> None:
        self.objects, self.grants, self.sources = objects, grants, sources
        self._cache: dict[tuple, list[Hit]] = {}

    @property
    def routines(self) -> list[DbObject]:
        return [o for o in self.objects if o.kind != "view"]

    def roles(self) -> set[str]:
        return {g.who for g in self.grants}

    def hits(self, ctx: LintContext) -> list[Hit]:
        key = (ctx.proposal.id, id(ctx.base))  # the same proposal on the same model
        if key not in self._cache:
            wanted = targets(ctx)
            found = [h for obj in self.objects for h in object_hits(obj, wanted, ctx.base)]
            found += [h for grant in self.grants for h in grant_hits(grant, wanted)]
            self._cache[key] = found
        return self._cache[key]


    def losses(self, ctx: LintContext) -> list[Loss]:
        """Per role: the privileges the proposal takes away — on a dropped or renamed table
        or column, writes on a table that becomes a view, EXECUTE of a routine that stops
        working — and the same for every role or account the role is granted to."""
        hits = self.hits(ctx)
        direct = [loss for h in hits if isinstance(h.obj, Grant)
                  for loss in _grant_losses(h, ctx, self._everywhere())]
        direct += self._execute_losses(hits)
        return direct + self._inherited(direct)

    def _everywhere(self) -> dict[str, set[str]]:
        """Per grantee, the privileges it has on every table (``ON *``, ``ON db.*``)."""
        out: dict[str, set[str]] = {}
        for grant in self.grants:
            if grant.kind == "table" and grant.table == "*":
                out.setdefault(grant.who, set()).update(grant.privilege_names)
        return out

    def _execute_losses(self, hits: list[Hit]) -> list[Loss]:
        broken: dict[tuple[str, str], Hit] = {}
        for hit in hits:
            if isinstance(hit.obj, DbObject) and hit.target.breaks:
                broken.setdefault((hit.obj.kind, hit.obj.name.lower()), hit)
        out = []
        for grant in self.grants:
            hit = broken.get((grant.kind, grant.table.lower()))
            if hit is not None:
                out.append(Loss(grant.who, grant.privilege_names, f"{grant.kind} {grant.table}",
                                f"it uses {hit.target.name} ({hit.where}), "
                                f"{hit.target.change}", hit.target.step, grant))
        return out

    def _inherited(self, direct: list[Loss]) -> list[Loss]:
        members: dict[str, list[Grant]] = {}
        for grant in self.grants:
            if grant.kind == "role":
                members.setdefault(grant.table.lower(), []).append(grant)
        out, seen = [], {(loss.role.lower(), loss.on, loss.privileges) for loss in direct}
        queue = list(direct)
        while queue:
            loss = queue.pop(0)
            for member in members.get(loss.role.lower(), []):
                key = (member.who.lower(), loss.on, loss.privileges)
                if key in seen:
                    continue
                seen.add(key)
                more = Loss(member.who, loss.privileges, loss.on, loss.why, loss.step,
                            loss.grant, loss.via or loss.role)
                out.append(more)
                queue.append(more)
        return out


_READ_ONLY = {"SELECT", "SHOW VIEW", "REFERENCES"}


def _grant_losses(hit: Hit, ctx: LintContext, everywhere: dict[str, set[str]]) -> list[Loss]:
    grant, target = hit.obj, hit.target
    kept = everywhere.get(grant.who, set())
    if target.column is not None:
        return [Loss(grant.who, grant.privilege_names, f"column {target.name}",
                     f"the column is {target.change}; the grant names it", target.step, grant)]
    view = ctx.final.view(target.table)
    if target.breaks and target.change == "dropped" and view is not None:
        lost = tuple(p for p in grant.privilege_names if p not in _READ_ONLY)
        why = (f"{target.table} becomes a view ({view_tables(view)}): rows can no longer be "
               "written to it as to the table")
    elif target.change.startswith("renamed to"):
        lost = tuple(p for p in grant.privilege_names if p not in kept)
        why = f"the table is {target.change}; the grant still names {target.table}"
    else:
        lost, why = grant.privilege_names, "the table is dropped"
    return [Loss(grant.who, lost, f"table {target.table}", why, target.step, grant)] \
        if lost else []


def view_tables(view) -> str:
    """``over T1, T2`` from a view's definition (the tables it reads)."""
    names = sorted({t for t, column in view_references(view.definition) if column is None})
    return "over " + ", ".join(names) if names else "a view"


def object_uses(hits: list[Hit], shown=str) -> list[tuple[str, str, str]]:
    """(kind, name, "file: T.c (dropped, step n) at 12, 14; …") per object, for the objects
    (not the grants) among ``hits``; ``shown`` names a file for readers."""
    groups: dict[tuple, dict[Target, list[Hit]]] = {}
    for hit in hits:
        if isinstance(hit.obj, DbObject):
            key = (hit.obj.kind, hit.obj.name, hit.obj.file, hit.obj.line)
            groups.setdefault(key, {}).setdefault(hit.target, []).append(hit)
    out = []
    for (kind, name, file, _), by_target in groups.items():
        uses = "; ".join(
            f"{target.name} ({target.change}, {target.step.label}) at line"
            f"{'s' if len(group) > 1 else ''} "
            + ", ".join(str(h.obj.line + h.line - 1) for h in group)
            for target, group in by_target.items())
        out.append((kind, name, f"{shown(file)}: uses {uses}" if file else f"uses {uses}"))
    return out


def grant_hits(grant: Grant, wanted: list[Target]) -> list[Hit]:
    hits = []
    if grant.kind != "table" or grant.table == "*":
        return hits
    for target in wanted:
        if not target.breaks or grant.table.lower() != target.table.lower():
            continue
        columns = {c.lower() for c in grant.columns}
        if target.column is None or target.column.lower() in columns:
            hits.append(Hit(target, grant, 1, "grant"))
    return hits


def object_hits(obj: DbObject, wanted: list[Target], model: Schema) -> list[Hit]:
    """Every (target, line) the object's body names, each found once."""
    words = {w.lower() for w in re.findall(r"\w+", obj.text)}
    wanted = [t for t in wanted if t.table.lower() in words]  # a use names its table
    if not wanted:
        return []
    hits: dict[tuple, Hit] = {}
    rows = _trigger_rows(obj)
    for line, fragment in _fragments(obj):
        node = _parsed(fragment, line)
        found = _tree_hits(node, wanted, model, rows, fragment, line) if node is not None else \
            _token_hits(fragment, line, wanted, model, rows)
        for target, at in found:
            method = "tokens" if node is None else "sqlglot"
            hits.setdefault((target, at), Hit(target, obj, at, method))
    return sorted(hits.values(), key=lambda h: (h.line, h.target.name))


def _trigger_rows(obj: DbObject) -> dict[str, str]:
    """A trigger's ``NEW`` and ``OLD``: rows of its table."""
    found = re.search(r"\bON\s+(?:`?\w+`?\.)?`?(\w+)`?\s+FOR\s+EACH\s+ROW", obj.text,
                      re.IGNORECASE) if obj.kind == "trigger" else None
    return {"new": found[1], "old": found[1]} if found else {}


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


_DML = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|REPLACE|WITH)\b", re.IGNORECASE)


def _parsed(fragment: str, line: int) -> exp.Expression | None:
    """The fragment as a sqlglot tree (line numbers kept), or None if it is not plain SQL;
    a statement behind flow control (``IF … THEN``, ``ELSE``, ``DECLARE … CURSOR FOR``, a
    label) is parsed from its first keyword on, the control blanked out."""
    node = _parse_one(fragment, line)
    start = _DML.search(fragment)
    if node is None and start is not None and start.start() > 0:
        node = _parse_one(re.sub(r"[^\n]", " ", fragment[:start.start()]) +
                          fragment[start.start():], line)
    return node


def _parse_one(fragment: str, line: int) -> exp.Expression | None:
    try:
        statements = sqlglot.parse("\n" * (line - 1) + fragment, read=dialect())
    except (ParseError, TokenError):
        return None
    if len(statements) != 1 or statements[0] is None or \
            isinstance(statements[0], exp.Command):
        return None
    return statements[0]


def _line(node: exp.Expression, fragment: str, line: int) -> int:
    """The node's line; for a node sqlglot kept none for (an INSERT's column list), the line
    of the name's first whole-word occurrence in the fragment."""
    for candidate in (node, *node.walk()):
        meta = getattr(candidate, "meta", None) or {}
        if meta.get("line"):
            return meta["line"]
    name = getattr(node, "name", "") or ""
    found = re.search(rf"(?<![\w.]){re.escape(name)}\b", fragment, re.IGNORECASE) \
        if name else None
    return line + fragment.count("\n", 0, found.start()) if found else line


def _tree_hits(node: exp.Expression, wanted: list[Target], model: Schema,
               rows: dict[str, str], fragment: str, line: int):
    ctes = {c.alias_or_name.lower() for c in node.find_all(exp.CTE)}
    tables = [t for t in node.find_all(exp.Table) if t.name.lower() not in ctes]
    aliases = {**rows, **{(t.alias or t.name).lower(): t.name for t in tables}}
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
                    column is None if target.column is None  # a table: where it is named
                    else (column or "").lower() == target.column.lower()):
                yield target, _line(at, fragment, line)


_TABLE_AFTER = {"FROM", "JOIN", "UPDATE", "INTO", "TABLE"}


def _words(fragment: str, line: int) -> list[tuple[str, str, int]]:
    """``(kind, text, line)`` of the fragment's tokens: kind "name" (identifiers, keywords
    used as names), "string", "dot", "comma", "as" or "kw" (any other keyword or symbol)."""
    try:
        tokens = sqlglot.tokenize("\n" * (line - 1) + fragment, read="mysql")
    except TokenError:  # not even tokens: plain words
        return [("name", w.group(), line + fragment.count("\n", 0, w.start()))
                for w in re.finditer(r"\w+", fragment)]
    out = []
    for t in tokens:
        upper = t.text.upper()
        if t.token_type == TokenType.STRING:
            kind = "string"
        elif t.token_type == TokenType.DOT:
            kind = "dot"
        elif t.token_type == TokenType.COMMA:
            kind = "comma"
        elif upper == "AS":
            kind = "as"
        elif t.token_type in (TokenType.VAR, TokenType.IDENTIFIER) or \
                (re.fullmatch(r"\w+", t.text) and upper not in _TABLE_AFTER and
                 upper not in _CLAUSES):
            kind = "name"
        else:
            kind = "kw"
        out.append((kind, t.text, t.line))
    return out


_CLAUSES = {"SELECT", "WHERE", "ON", "USING", "SET", "GROUP", "ORDER", "HAVING", "LIMIT",
            "VALUES", "VALUE", "LEFT", "RIGHT", "INNER", "OUTER", "CROSS", "NATURAL",
            "STRAIGHT_JOIN", "UNION", "AND", "OR", "NOT", "IN", "IS", "NULL", "THEN", "ELSE",
            "END", "WHEN", "CASE", "IF", "DUPLICATE", "KEY", "FOR", "DO", "RETURN",
            "DECLARE", "BEGIN", "WHILE", "LOOP", "REPEAT", "UNTIL", "CALL", "INSERT",
            "REPLACE", "DELETE", "IGNORE", "LOW_PRIORITY", "DISTINCT", "EXISTS", "BETWEEN",
            "LIKE", "DESC", "ASC", "BY", "WITH", "TO", "INTERVAL"}


def _statement_tables(words: list[tuple[str, str, int]]) -> dict[str, str]:
    """alias (or the table's own name), lower case -> table, for every table the statement
    names after FROM, JOIN, UPDATE, INTO or TABLE and in comma-separated lists after them."""
    aliases: dict[str, str] = {}
    i = 0
    while i < len(words):
        kind, text, _ = words[i]
        if not (kind == "kw" and text.upper() in _TABLE_AFTER):
            i += 1
            continue
        i += 1
        while i < len(words) and words[i][0] == "name":
            name = words[i][1].strip("`")
            if i + 2 < len(words) and words[i + 1][0] == "dot" and words[i + 2][0] == "name":
                i += 2  # db.table
                name = words[i][1].strip("`")
            aliases[name.lower()] = name
            i += 1
            if i < len(words) and words[i][0] == "as":
                i += 1
            if i < len(words) and words[i][0] == "name" and \
                    (i + 1 >= len(words) or words[i + 1][0] != "dot"):
                aliases[words[i][1].strip("`").lower()] = name
                i += 1
            if i < len(words) and words[i][0] == "comma" and i + 1 < len(words) and \
                    words[i + 1][0] == "name" and (i + 2 >= len(words) or
                                                   words[i + 2][0] != "dot"):
                i += 1  # FROM A a, B b
                continue
            break
    return aliases


def _token_hits(fragment: str, line: int, wanted: list[Target], model: Schema,
                rows: dict[str, str]):
    """Names found token by token where the statement does not parse: a table by its name, a
    column through the statement's own aliases and FROM/JOIN/UPDATE/INTO tables — qualified
    (``d.barCode``: the table aliased ``d``), or unqualified when exactly that table of the
    statement has such a column (the model decides; a table the model lacks may have it)."""
    words = _words(fragment, line)
    aliases = _statement_tables(words)
    tables = {t.lower() for t in aliases.values()}
    aliases.update(rows)
    for i, (kind, text, at) in enumerate(words):
        if kind != "name":
            continue
        word = text.strip("`").lower()
        qualified = i >= 2 and words[i - 1][0] == "dot" and words[i - 2][0] == "name"
        qualifier = words[i - 2][1].strip("`").lower() if qualified else None
        followed = i + 1 < len(words) and words[i + 1][0] == "dot"
        after_as = i >= 1 and words[i - 1][0] == "as"
        for target in wanted:
            if target.column is None:
                if word == target.table.lower() and not qualified:
                    yield target, at
            elif word == target.column.lower() and not followed and not after_as:
                if qualified:
                    owner = aliases.get(qualifier, qualifier)
                    if owner.lower() == target.table.lower():
                        yield target, at
                elif target.table.lower() in tables and \
                        _sole_owner(target, tables, model):
                    yield target, at


def _sole_owner(target: Target, tables: set[str], model: Schema) -> bool:
    """No other table of the statement that the model knows has the target's column (an
    unqualified name two tables have would be ambiguous: it is not a use of the target)."""
    for name in tables - {target.table.lower()}:
        table = next((t for t in model.tables if t.name.lower() == name), None)
        if table is not None and table.column(target.column) is not None:
            return False
    return True
