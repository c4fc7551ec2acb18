# SPDX-License-Identifier: LGPL-3.0-or-later
"""A plan as data: the statements of a script, each with the steps it comes from, its line,
its kind and a slot for the algorithm and lock lint predicts; the text is one view of it.

Steps keep the author's order. Consecutive schema changes to one table are folded into one
``ALTER TABLE`` (each ALTER of a big table rebuilds it) unless two of them collide — the same
column changed twice, a column used after it is renamed away, a foreign key dropped and re-added
under one name — which MariaDB refuses in a single statement. Data statements are never moved.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..render.quote import ident
from ..sqltext import split_statements
from .algorithm import established, predict
from .layout import laid_out, step_comment
from .operations import Clause, ColumnChange, Piece, Statement
from .walk import Primitive

KINDS = ("alter", "schema", "data", "status")  # status: the upstream SchemaStatus rows


def _names(clauses: list[Clause], attr: str) -> set[str]:
    return set().union(*(getattr(c, attr) for c in clauses))


def collides(clauses: list[Clause], clause: Clause) -> bool:
    """Whether MariaDB would refuse ``clause`` in one statement with ``clauses``: it changes
    something they touch, reads something they remove, or re-creates a removed name (allowed
    for indexes: DROP KEY i, ADD KEY i)."""
    touched = set().union(*(c.defines | c.alters | c.removes | c.uses for c in clauses))
    removed = _names(clauses, "removes")
    changed = _names(clauses, "alters") | removed
    recreated = {n for n in clause.defines & changed if not n.startswith("idx:")}
    if any(c.alone != clause.alone for c in clauses):
        return True  # foreign-key column renames only go with each other
    return bool((clause.alters | clause.removes) & touched or recreated
                or clause.uses & removed or clause.defines & _names(clauses, "defines"))


@dataclass
class AlterGroup:
    """One ALTER TABLE: every clause folded into it with its primitive, and the statement's
    clause texts (a MODIFY COLUMN folded into the earlier clause of its column shares its
    text)."""

    table: str
    clauses: list[Clause] = field(default_factory=list)
    owners: list[Primitive] = field(default_factory=list)  # the primitive of each clause
    texts: list[str] = field(default_factory=list)
    slots: list[int] = field(default_factory=list)  # each clause's index in texts
    changes: dict[int, ColumnChange] = field(default_factory=dict)  # text index -> change

    @property
    def labels(self) -> list[str]:
        return list(dict.fromkeys(p.label for p in self.owners))

    def names(self, attr: str) -> set[str]:
        return _names(self.clauses, attr)

    def collides(self, clause: Clause) -> bool:
        return collides(self.clauses, clause)

    def add(self, clause: Clause, owner: Primitive) -> None:
        if clause.column is not None:
            self.changes[len(self.texts)] = clause.column
        self._keep(clause, owner, len(self.texts))
        self.texts.append(clause.text)

    def fold_in(self, clause: Clause, owner: Primitive) -> bool:
        """Fold a MODIFY COLUMN into this statement's clause that adds, renames or changes
        the same column, when no other clause is in the way; whether it did."""
        if clause.column is None or clause.column.verb != "MODIFY" or len(clause.alters) != 1:
            return False
        name = next(iter(clause.alters))
        slot = next((s for c, s in zip(reversed(self.clauses), reversed(self.slots))
                     if name in c.defines | c.alters), None)
        if slot not in self.changes or (clause.uses and slot != len(self.texts) - 1):
            return False
        others = [c for c, s in zip(self.clauses, self.slots) if s != slot]
        if collides(others, clause) or any(c.alone != clause.alone for c, s in
                                           zip(self.clauses, self.slots) if s == slot):
            return False
        self.changes[slot] = self.changes[slot].then(clause.column)
        self.texts[slot] = self.changes[slot].text
        self._keep(clause, owner, slot)
        return True

    def _keep(self, clause: Clause, owner: Primitive, slot: int) -> None:
        self.clauses.append(clause)
        self.owners.append(owner)
        self.slots.append(slot)

    def blocks(self, clause: Clause) -> bool:
        return self.table in clause.refs or clause.table in self.names("refs")

    def sql(self, algorithm: str | None = None, lock: str | None = None) -> str:
        head = f"ALTER TABLE {ident(self.table)}"
        texts = self.texts + ([f"ALGORITHM={algorithm}, LOCK={lock}"] if algorithm else [])
        if len(self.texts) == 1:
            return f"{head} {', '.join(texts)};"
        return head + "\n" + ",\n".join("  " + text for text in texts) + ";"


@dataclass
class Single:
    statement: Statement
    owner: Primitive

    @property
    def labels(self) -> list[str]:
        return [self.owner.label]

    def blocks(self, clause: Clause) -> bool:
        return self.statement.data or bool(self.statement.tables & ({clause.table} | clause.refs))

    def sql(self) -> str:
        if self.statement.compound:  # its own ';' inside: the client needs another delimiter
            return f"DELIMITER $$\n{self.statement.text}$$\nDELIMITER ;"
        return self.statement.text + ";"


def runnable(sql: str) -> str:
    """A statement as the server takes it: a compound one without its DELIMITER lines."""
    if not sql.startswith("DELIMITER "):
        return sql
    return next(split_statements(sql))[1]


def fold(primitives) -> list[AlterGroup | Single]:
    """The primitives' pieces as statements in order, clauses merged into the latest ALTER of
    their table they can join without crossing a statement or ALTER they depend on."""
    out: list[AlterGroup | Single] = []
    for prim in primitives:
        if prim.effect:
            continue
        for piece in prim.pieces:
            if isinstance(piece, Statement):
                out.append(Single(piece, prim))
                continue
            group = _latest(out, piece)
            if group is not None and group.collides(piece):
                if group.fold_in(piece, prim):
                    continue
                group = None
            if group is None:
                group = AlterGroup(piece.table)
                out.append(group)
            group.add(piece, prim)
    return out


def _latest(out: list, clause: Clause) -> AlterGroup | None:
    """The latest ALTER of the clause's table, unless a statement after it must stay between."""
    for item in reversed(out):
        if isinstance(item, AlterGroup) and item.table == clause.table:
            return item
        if item.blocks(clause):
            return None
    return None


@dataclass(frozen=True, eq=False)
class ScriptStatement:
    """One statement of a script. ``parts``: each piece folded into it with the primitive it
    comes from (none for the script's own statements); ``algorithm``/``lock``: what lint
    established for an ALTER, when it did."""

    index: int  # 1-based position in the script
    line: int  # the script line it starts on
    labels: tuple[str, ...]  # the steps it belongs to; () for the script's own statements
    sql: str  # with its ';'
    kind: str  # one of KINDS
    table: str | None = None  # the table an ALTER changes
    parts: tuple[tuple[Piece, Primitive], ...] = ()
    clauses: tuple[str, ...] = ()  # an ALTER's clauses, as its text has them
    algorithm: str | None = None
    lock: str | None = None

    @property
    def data(self) -> bool:
        return self.kind == "data"

    @property
    def steps(self) -> list[Primitive]:
        """The primitives it comes from, in order, each once."""
        return list(dict.fromkeys(p for _, p in self.parts))

    @property
    def first_line(self) -> str:
        return self.sql.strip().splitlines()[0]

    def where(self, total: int) -> str:
        steps = f", {', '.join(self.labels)}" if self.labels else ""
        return f"statement {self.index} of {total} (line {self.line}{steps})"


def statements_of(primitives, algorithms: bool = True) -> list[ScriptStatement]:
    """The folded statements of ``primitives`` (not yet placed in a script: no line). With
    ``algorithms``, an ALTER says its ALGORITHM and LOCK where the prediction is established
    (the session's default foreign_key_checks=1 assumed), so the server refuses rather than
    lock more."""
    out = []
    for item in fold(primitives):
        if isinstance(item, AlterGroup):
            parts = tuple(zip(item.clauses, item.owners))
            algorithm = lock = None
            if algorithms:  # (a rollback or a recovery's statements are not predicted)
                table = item.owners[0].before.table(item.table)
                _, prediction = predict(parts, table)
                if established(prediction, table):
                    algorithm, lock = prediction.algorithm, prediction.lock
            out.append(ScriptStatement(0, 0, tuple(item.labels), item.sql(algorithm, lock),
                                       "alter", item.table, parts, tuple(item.texts),
                                       algorithm, lock))
        else:
            kind = "data" if item.statement.data else "schema"
            out.append(ScriptStatement(0, 0, tuple(item.labels), laid_out(item.sql()), kind,
                                       item.owner.op.table_name(),
                                       ((item.statement, item.owner),)))
    return out


def status_statement(sql: str) -> ScriptStatement:
    """One of the script's own statements (the upstream format's SchemaStatus rows)."""
    return ScriptStatement(0, 0, (), sql, "status")


@dataclass(frozen=True, eq=False)
class Script:
    """A script: its header comment lines and its statements; ``text`` is what is written."""

    name: str
    header: tuple[str, ...]
    statements: tuple[ScriptStatement, ...]
    text: str

    @classmethod
    def build(cls, name: str, header: list[str], statements: list[ScriptStatement]) -> "Script":
        """Number and place the statements: a blank line before each, and its steps as a
        comment when they differ from the statement before."""
        lines, placed, previous = list(header), [], None
        for number, statement in enumerate(statements, start=1):
            label = step_comment(statement.labels)
            lines.append("")
            if statement.labels and label != previous:
                lines.append(f"-- {label}")
            placed.append(replace(statement, index=number, line=len(lines) + 1))
            lines += statement.sql.split("\n")
            previous = label if statement.labels else previous
        return cls(name, tuple(header), tuple(placed), "\n".join(lines) + "\n")
