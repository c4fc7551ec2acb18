# SPDX-License-Identifier: LGPL-3.0-or-later
"""What every operation shares: the registry, source positions, SQL pieces and inverses.

An operation is a frozen dataclass registered under its YAML key. It reads whatever it needs
from the model it is given (never from the author restating it), so a rename or a drop keeps
comments, defaults, charset and position, and its inverse can restore them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from ...errors import Diagnostic, SourceLoc
from ...model import Schema, Table
from ...render.quote import ident
from ..sqlcheck import SqlProblem

REGISTRY: dict[str, type["Operation"]] = {}


def operation(key: str):
    """Register an operation class under its YAML key."""
    def register(cls):
        cls.key = key
        REGISTRY[key] = cls
        return cls
    return register


@lru_cache(maxsize=64)
def _file_lines(file: str) -> tuple[str, ...]:
    try:
        return tuple(Path(file).read_text(encoding="utf-8").splitlines())
    except OSError:
        return ()


@dataclass(frozen=True)
class Where:
    """Where an operation came from: a YAML path below a locator, or one fixed location (for
    operations the tool derives: inverses, the parts of a merge)."""

    locator: Any = None
    path: tuple = ()
    fixed: SourceLoc | None = None

    def __call__(self, *keys, key: bool = False) -> SourceLoc | None:
        if self.locator is None:
            return self.fixed
        return self.locator.loc(self.path + keys, key=key)

    def below(self, *keys) -> "Where":
        return Where(self.locator, self.path + keys, self.fixed)

    def frozen(self) -> "Where":
        return Where(fixed=self())

    def in_text(self, keys: tuple, text: str, line: int, col: int) -> SourceLoc | None:
        """The file position of (line, col) inside the SQL text held at ``keys``."""
        base = self(*keys)
        if base is None or not line:
            return base
        lines = _file_lines(base.file)
        start = lines[base.line - 1][base.column - 1:] if base.line <= len(lines) else ""
        if start[:1] == ">" and line == 1:  # folded: the text's one line spans source lines
            return _folded(base, lines, col)
        if start[:1] in ("|", ">"):  # a block scalar: its text starts on the next line
            target = lines[base.line - 1 + line] if base.line + line <= len(lines) else ""
            indent = len(target) - len(target.lstrip(" "))
            return SourceLoc(base.file, base.line + line, indent + col)
        quote = 1 if start[:1] in ("'", '"') else 0
        column = base.column + quote + col - 1 if line == 1 else col
        return SourceLoc(base.file, base.line + line - 1, column)


def _folded(base: SourceLoc, lines: tuple[str, ...], col: int) -> SourceLoc:
    """Column ``col`` of a folded scalar's first line, found in the source lines it joins
    (each source line's text, then one space)."""
    offset, number = 0, base.line
    while number < len(lines):
        text = lines[number].strip(" ")
        if not text or offset + len(text) + 1 >= col:
            indent = len(lines[number]) - len(lines[number].lstrip(" "))
            return SourceLoc(base.file, number + 1, indent + max(col - offset, 1))
        offset += len(text) + 1
        number += 1
    return base


NOWHERE = Where()


class WhereLocator:
    """A locator for ``model.serialize`` readers: their paths, minus ``skip`` leading keys,
    are paths below ``where``."""

    def __init__(self, where: Where, skip: int = 0) -> None:
        self.where, self.skip = where, skip

    def loc(self, path=(), key: bool = False) -> SourceLoc | None:
        return self.where(*tuple(path)[self.skip:], key=key)


@dataclass(frozen=True)
class DataLoss:
    """``data_loss: {acknowledged: true, reason: …}`` on a step."""

    reason: str


@dataclass(frozen=True)
class ColumnChange:
    """What an ADD, CHANGE or MODIFY COLUMN clause does, so the planner can fold a later
    MODIFY of the same column into it (a rename with a new comment is one CHANGE COLUMN)."""

    verb: str  # "ADD", "CHANGE" or "MODIFY"
    definition: str  # the column's full definition, its name first
    position: str = ""  # " AFTER `x`", " FIRST" or ""
    old: str = ""  # CHANGE: the name before

    @property
    def text(self) -> str:
        old = f"{ident(self.old)} " if self.verb == "CHANGE" else ""
        return f"{self.verb} COLUMN {old}{self.definition}{self.position}"

    def then(self, later: "ColumnChange") -> "ColumnChange":
        """This clause with a later MODIFY of the same column folded in."""
        return ColumnChange(self.verb, later.definition, later.position or self.position,
                            self.old)


@dataclass(frozen=True)
class Clause:
    """One clause of an ``ALTER TABLE``; the planner folds clauses of one table together.

    ``defines``/``alters``/``removes``/``uses`` name the columns (``col:x``), indexes
    (``idx:x``) and foreign keys (``fk:x``) the clause creates, changes in place, removes (a
    drop, or the old name of a rename) and reads; ``refs`` the other tables it depends on.
    Two clauses share one ALTER only when they do not collide (see plan.AlterGroup).
    """

    table: str
    text: str
    defines: frozenset[str] = frozenset()
    alters: frozenset[str] = frozenset()
    removes: frozenset[str] = frozenset()
    uses: frozenset[str] = frozenset()
    refs: frozenset[str] = frozenset()
    alone: bool = False  # shares an ALTER only with other 'alone' clauses: MariaDB renames
    #                      foreign-key columns in place and refuses it next to a table copy
    column: ColumnChange | None = None  # for column clauses: what the text says, as data


@dataclass(frozen=True)
class Statement:
    """A whole statement (no trailing ``;``). ``tables`` are the tables it touches; a data
    statement ends a run of foldable clauses."""

    text: str
    tables: frozenset[str] = frozenset()
    data: bool = False
    compound: bool = False  # BEGIN … END: written between DELIMITER lines in a script


Piece = Clause | Statement


class NotReversible(Exception):
    """The operation has no automatic inverse; the step needs an explicit ``rollback:``."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True, kw_only=True)
class Operation:
    """Base of every operation. Subclasses override what applies to them."""

    key: ClassVar[str] = ""
    data_step: ClassVar[bool] = False  # data steps end ALTER folding and are checked for order
    compound: ClassVar[bool] = False  # expands into primitive operations (see expand)
    rollback_hint: ClassVar[str] = ("add 'rollback:' with the steps that undo it ([] if nothing "
                                    "needs undoing)")

    where: Where = field(default=NOWHERE, compare=False, repr=False)
    data_loss: DataLoss | None = None
    rollback: tuple["Operation", ...] | None = None
    note: str = ""

    # YAML key -> field name, where they differ (``from``/``to`` are Python keywords)
    yaml_names: ClassVar[dict[str, str]] = {}

    @classmethod
    def fields_from_yaml(cls, body: dict, where: Where,
                         problems: list[Diagnostic]) -> dict | None:
        """This operation's fields from its YAML body (the JSON Schema has checked its shape;
        the common keys ``data_loss``/``rollback``/``note`` are already taken out)."""
        return {cls.yaml_names.get(k, k): tuple(v) if isinstance(v, list) else v
                for k, v in body.items()}

    # -- the four things an operation does ---------------------------------------------------
    def check(self, model: Schema) -> list[Diagnostic]:
        return []

    def apply(self, model: Schema) -> Schema:
        self._not_compound("applied")
        return model

    def render(self, model: Schema) -> list[Piece]:
        self._not_compound("rendered")
        return []

    def _not_compound(self, what: str) -> None:
        if self.compound:
            raise TypeError(f"{self.key} is a compound operation: its expansion is {what}, "
                            "never the step itself")

    def inverse(self, model: Schema) -> list["Operation"]:
        raise NotReversible(f"{self.key} has no automatic inverse")

    # -- what analyzers need to know -----------------------------------------------------------
    def expand(self, model: Schema) -> list["Operation"]:
        """A compound operation's primitive steps, once its check passed."""
        raise NotImplementedError

    def reads(self, model: Schema) -> set[tuple[str, str | None]]:
        """Data this step reads: (table, column), or (table, None) for whole rows."""
        return set()

    def writes(self, model: Schema) -> set[tuple[str, str | None]]:
        """Data this step writes or rewrites."""
        return set()

    def creates(self, model: Schema) -> set[tuple[str, str | None]]:
        """Tables (table, None) and columns this step creates."""
        return set()

    def loses(self, model: Schema) -> tuple[set[tuple[str, str | None]], str] | None:
        """Data this step destroys and a sentence saying how, or None."""
        return None

    # -- what the operation says about itself ------------------------------------------------
    def effects(self) -> tuple["Operation", ...]:
        """Operations this one declares it has done (a raw SQL step's ``effect``)."""
        return ()

    def table_name(self) -> str | None:
        """The one table this operation works on (by its name before it), if there is one."""
        return None

    def renames(self) -> list[tuple[str, str | None, str]]:
        """What it renames: (table, None, new table name) or (table, old column, new)."""
        return []

    def alter_kinds(self, model: Schema, foreign_key_checks: bool = True) -> list[set[str]]:
        """The online-DDL kinds (see ``lint.algorithm.KINDS``) of each ALTER clause it
        renders over ``model``. By default a clause is taken for a table copy."""
        return [{"change type"} for p in self.render(model) if isinstance(p, Clause)]

    def statement_kind(self) -> str | None:
        """The online-DDL kind of a whole statement it renders (an ALTER in statement form,
        such as RENAME TABLE), or None."""
        return None

    def value_moves(self, model: Schema) -> list:
        """The values a data step moves into columns (``typecheck.Move``), to type-check."""
        return []

    def forward_statements(self) -> list:
        """A raw SQL step's forward statements, parsed (sqlglot expressions); none for the
        other operations."""
        return []

    # -- helpers -------------------------------------------------------------------------------
    def error(self, code: str, message: str, *keys, key: bool = False) -> Diagnostic:
        return Diagnostic(self.where(*keys, key=key), message, code)

    def sql_error(self, keys: tuple, text: str, problem: SqlProblem) -> Diagnostic:
        return Diagnostic(self.where.in_text(keys, text, problem.line, problem.col),
                          problem.message, problem.code)

    def derived(self, cls, **fields) -> "Operation":
        """A derived operation reporting at this step's position."""
        return cls(where=self.where.frozen(), **fields)

    def table_or_error(self, model: Schema, name: str, problems: list[Diagnostic],
                       *keys, key: bool = False) -> Table | None:
        table = model.table(name)
        if table is None:
            problems.append(self.error("E101", unknown_table_message(model, name), *keys,
                                       key=key))
        return table

    def column_or_error(self, table: Table, name: str, problems: list[Diagnostic], *keys,
                        key: bool = False):
        """The column, or None with an E102 at ``keys`` (the key node itself if ``key``)."""
        column = table.column(name)
        if column is None:
            problems.append(self.error("E102", unknown_column_message(table, name), *keys,
                                       key=key))
        return column


def suggestion(name: str, candidates) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in candidates}
        close = [lowered[name.lower()]] if name.lower() in lowered else []
    return f"; did you mean {close[0]!r}?" if close else ""


def unknown_table_message(model: Schema, name: str) -> str:
    return f"unknown table {name!r}{suggestion(name, model.table_names())}"


def unknown_column_message(table: Table, name: str) -> str:
    return (f"unknown column {name!r} in table {table.name!r}"
            f"{suggestion(name, table.column_names())}")


def position_of(table: Table, column: str) -> str | None:
    """The column before ``column`` (for ``AFTER``), or None when it is first."""
    names = [c.name.lower() for c in table.columns]
    index = names.index(column.lower())
    return table.columns[index - 1].name if index else None
