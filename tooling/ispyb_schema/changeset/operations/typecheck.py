# SPDX-License-Identifier: LGPL-3.0-or-later
"""Type-checked data movement: can each value a data step moves fit the column it lands in?

A data step describes its moves (``Operation.value_moves``): a source expression and the target
column. Each pair is judged statically from the two types: string length, string to number or
date, numeric range and signedness, precision and scale, temporal precision, charset, enum and
set lists, NULL into NOT NULL. A loss is *certain* when every row reaching the column loses
(a literal that does not fit, an enum none of whose values is a number); that is a validation
error unless the step acknowledges it (``data_loss``). Otherwise it is *possible*: lint reports
it, and with a database measures it on the fixture data with ``Loss.condition``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp

from ...errors import Diagnostic
from ...model import Column, Schema, Table
from ...model.types import INTEGER_TYPES, TEMPORAL_TYPES, ColumnType
from ...render.quote import string
from ..sqlcheck import Scope, SqlProblem, emit, parse_expression, qualify

_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_NUMBER_SQL = r"'^[[:space:]]*[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?[[:space:]]*$'"
_INT_BITS = {"tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "bigint": 64}
_TEXT_CAPACITY = {"tinytext": 255, "text": 65535, "mediumtext": 16777215,
                  "longtext": 4294967295, "tinyblob": 255, "blob": 65535,
                  "mediumblob": 16777215, "longblob": 4294967295}
_STRINGS = frozenset("char varchar tinytext text mediumtext longtext enum set".split())
_FRACTIONAL = frozenset({"decimal", "float", "double"})
_NARROW_CHARSETS = frozenset({"latin1", "ascii", "latin2", "cp1250", "cp1251", "cp1252"})
_WIDE_CHARSETS = frozenset({"utf8mb4", "utf8mb3", "utf8", "utf16", "utf32", "ucs2"})


@dataclass(frozen=True)
class Move:
    """One value a data step moves: ``text`` (an expression over ``scope``) into
    ``table.column``, for the rows ``where_sql`` selects of ``source``."""

    table: str
    column: str
    text: str
    scope: Scope
    keys: tuple  # YAML path of the source expression, for the location
    source: str  # the table whose rows are moved (measured with --db)
    where_sql: str | None = None


@dataclass(frozen=True)
class Loss:
    certain: bool
    why: str  # one sentence: what is lost and how
    condition: str | None = None  # SQL over the source rows: those that would lose


@dataclass(frozen=True)
class _Source:
    """What is known of a source expression: a column (with its table) or a literal."""

    sql: str  # the qualified expression, as it will run
    column: Column | None = None
    table: Table | None = None
    literal: object = None  # str, int/float, or None
    is_literal: bool = False

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column.name}" if self.column else self.sql


def describe(move: Move, model: Schema) -> _Source | None:
    try:
        node = parse_expression(str(move.text))
    except SqlProblem:
        return None
    sql = emit(qualify(node, move.scope))
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Column):
        table = model.table(move.scope.tables.get(node.table.lower()) if node.table
                            else move.scope.default or "")
        column = table.column(node.name) if table else None
        return _Source(sql, column, table) if column else None
    if isinstance(node, exp.Null):
        return _Source(sql, literal=None, is_literal=True)
    if isinstance(node, exp.Literal):
        value = node.this if node.is_string else _number(node.this)
        return _Source(sql, literal=value, is_literal=True)
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and \
            not node.this.is_string:
        return _Source(sql, literal=-_number(node.this.this), is_literal=True)
    return None


def _excludes_null(move: Move, source: _Source) -> bool:
    """Whether the step's own filter keeps rows where the source column is NULL out (one of
    its AND-ed conditions is ``column IS NOT NULL``)."""
    if not move.where_sql:
        return False
    try:
        node = parse_expression(str(move.where_sql))
    except SqlProblem:
        return False
    for part in node.flatten() if isinstance(node, exp.And) else [node]:
        inner = part.this if isinstance(part, exp.Not) else None
        if isinstance(inner, exp.Is) and isinstance(inner.this, exp.Column) and \
                isinstance(inner.expression, exp.Null) and \
                inner.this.name.lower() == source.column.name.lower():
            return True
    return False


def _number(text: str):
    try:
        return int(text)
    except ValueError:
        return float(text)


def losses(move: Move, model: Schema) -> list[Loss]:
    """Every way the values of ``move`` can be lost on their way into the target column."""
    target_table = model.table(move.table)
    target = target_table.column(move.column) if target_table else None
    source = describe(move, model)
    if target is None or source is None:
        return []
    if source.is_literal:
        return _literal_losses(source.literal, target, target_table)
    found = _type_losses(source, target, target_table)
    if source.column.nullable and not target.nullable and target.default is None and \
            not target.auto_increment and not _excludes_null(move, source):
        found.append(Loss(False, f"rows where {source.name} is NULL are refused: "
                                 f"{move.table}.{target.name} is NOT NULL without a default",
                          f"{source.sql} IS NULL"))
    return found


def _literal_losses(value, target: Column, table: Table) -> list[Loss]:
    t = target.type
    if value is None:
        if not target.nullable and target.default is None and not target.auto_increment:
            return [Loss(True, f"NULL into {table.name}.{target.name}, which is NOT NULL "
                               "without a default")]
        return []
    text = str(value)
    if t.base in ("enum", "set"):
        members = text.split(",") if t.base == "set" else [text]
        if any(m.lower() not in {v.lower() for v in t.values} for m in members):
            return [Loss(True, f"{text!r} is not a value of {table.name}.{target.name} "
                               f"({_values(t.values)})")]
    elif t.base in _STRINGS and _capacity(t) is not None and len(text) > _capacity(t):
        return [Loss(True, f"{text[:40]!r} ({len(text)} characters) is cut to {_capacity(t)} "
                           f"in {table.name}.{target.name} ({t})")]
    elif _numeric(t) and isinstance(value, str) and not _NUMBER.match(value):
        return [Loss(True, f"{text[:40]!r} is not a number; {table.name}.{target.name} is {t}")]
    elif t.base in INTEGER_TYPES and isinstance(value, (int, float)):
        low, high = _int_range(t)
        if not low <= value <= high:
            return [Loss(True, f"{value} is outside the range of {table.name}.{target.name} "
                               f"({low} to {high}, {t})")]
    return []


def _type_losses(source: _Source, target: Column, table: Table) -> list[Loss]:
    a, b, e = source.column.type, target.type, source.sql
    what = f"{source.name} ({short_type(a)}) into {table.name}.{target.name} ({short_type(b)})"
    if a == b and source.table.effective_charset(source.column) == \
            table.effective_charset(target):
        return []
    out: list[Loss] = []
    if a.base in ("enum", "set"):
        out += _enum_source(source, target, table, what)
    elif a.base in _STRINGS:
        out += _string_source(a, b, e, what)
    elif _numeric(a):
        out += _numeric_source(a, b, e, what)
    elif a.base in TEMPORAL_TYPES:
        out += _temporal_source(a, b, e, what)
    if a.base in _STRINGS and b.base in _STRINGS:
        wide = source.table.effective_charset(source.column) or ""
        narrow = table.effective_charset(target) or ""
        if wide.split("_")[0] in _WIDE_CHARSETS and narrow.split("_")[0] in _NARROW_CHARSETS:
            out.append(Loss(False, f"{what}: characters {narrow} cannot hold ({wide} -> "
                                   f"{narrow}) become '?'",
                            f"CONVERT(CONVERT({e} USING {narrow}) USING {wide}) <> {e}"))
    return out


def _enum_source(source: _Source, target: Column, table: Table, what: str) -> list[Loss]:
    a, b, e = source.column.type, target.type, source.sql
    values = list(a.values)
    if b.base in ("enum", "set"):
        missing = [v for v in values if v.lower() not in {w.lower() for w in b.values}]
        if missing:
            return [Loss(False, f"{what}: values {_values(missing)} are not in the target's "
                                "list", f"{e} IN ({', '.join(string(v) for v in missing)})")]
        return []
    if _numeric(b) or b.base in TEMPORAL_TYPES:
        bad = [v for v in values if not _NUMBER.match(v)] if _numeric(b) else values
        if len(bad) == len(values):
            return [Loss(True, f"{what}: none of its values is a "
                               f"{'number' if _numeric(b) else 'date'} ({_values(values)})")]
        return [Loss(False, f"{what}: values {_values(bad)} do not convert",
                     f"{e} IN ({', '.join(string(v) for v in bad)})")]
    longest = max(len(v) for v in values)
    if _capacity(b) is not None and longest > _capacity(b):
        cut = [v for v in values if len(v) > _capacity(b)]
        return [Loss(False, f"{what}: values {_values(cut)} are longer than {_capacity(b)} "
                            "characters", f"CHAR_LENGTH({e}) > {_capacity(b)}")]
    return []


def _string_source(a: ColumnType, b: ColumnType, e: str, what: str) -> list[Loss]:
    if b.base in ("enum", "set"):
        listed = ", ".join(string(v) for v in b.values)
        return [Loss(False, f"{what}: values outside the list ({_values(b.values)}) are "
                            "refused or become ''", f"{e} <> '' AND {e} NOT IN ({listed})")]
    if _numeric(b):
        return [Loss(False, f"{what}: text that is not a number is refused or becomes 0",
                     f"{e} NOT REGEXP {_NUMBER_SQL}")]
    if b.base in TEMPORAL_TYPES:
        cast = "DATE" if b.base == "date" else "TIME" if b.base == "time" else "DATETIME(6)"
        return [Loss(False, f"{what}: text that is not a {b.base} is refused or becomes "
                            "NULL/zero", f"CAST({e} AS {cast}) IS NULL")]
    if _capacity(b) is not None and _capacity(a) is not None and _capacity(b) < _capacity(a):
        return [Loss(False, f"{what}: values longer than {_capacity(b)} characters are cut",
                     f"CHAR_LENGTH({e}) > {_capacity(b)}")]
    return []


def _numeric_source(a: ColumnType, b: ColumnType, e: str, what: str) -> list[Loss]:
    if b.base in INTEGER_TYPES:
        low, high = _int_range(b)
        out = []
        if a.base in INTEGER_TYPES:
            la, ha = _int_range(a)
            if la < low or ha > high:
                out.append(Loss(False, f"{what}: values outside {low} to {high} are refused "
                                       "or clipped", f"({e} < {low} OR {e} > {high})"))
        else:
            out.append(Loss(False, f"{what}: values outside {low} to {high} are refused, "
                                   "fractions are rounded",
                            f"({e} < {low} OR {e} > {high} OR {e} <> ROUND({e}))"))
        return out
    if b.base == "decimal":
        m, d = (list(b.args) + [10, 0])[:2] if b.args else (10, 0)
        bound = 10 ** (m - d)
        digits = _digits(a)
        if digits is not None and digits <= m - d and (a.base in INTEGER_TYPES or
                                                       _scale(a) <= d):
            return []
        return [Loss(False, f"{what}: values of {m - d} or more integer digits are refused, "
                            f"more than {d} decimals are rounded",
                     f"(ABS({e}) >= {bound} OR {e} <> ROUND({e}, {d}))")]
    if b.base == "float" and a.base in ("double", "decimal", "bigint"):
        return [Loss(False, f"{what}: float keeps about 7 significant digits",
                     f"{e} <> CAST({e} AS FLOAT)")]
    if b.base in _STRINGS and _capacity(b) is not None:
        width = _digits(a)
        width = width + 2 if width is not None else 24  # sign and decimal point
        if width > _capacity(b):
            return [Loss(False, f"{what}: numbers wider than {_capacity(b)} characters are "
                                "cut", f"CHAR_LENGTH({e}) > {_capacity(b)}")]
    return []


def _temporal_source(a: ColumnType, b: ColumnType, e: str, what: str) -> list[Loss]:
    pa, pb = (a.args[0] if a.args else 0), (b.args[0] if b.args else 0)
    if a.base in ("datetime", "timestamp") and b.base in ("datetime", "timestamp", "time"):
        out = []
        if pb < pa:
            out.append(Loss(False, f"{what}: fractions of a second beyond {pb} digits are "
                                   "lost", f"MICROSECOND({e}) % {10 ** (6 - pb)} <> 0"))
        if b.base == "time":
            out.append(Loss(False, f"{what}: the date is lost", f"{e} IS NOT NULL"))
        if a.base == "datetime" and b.base == "timestamp":
            out.append(Loss(False, f"{what}: dates outside 1970-2038 are refused or become "
                                   "zero", f"({e} < '1970-01-01 00:00:01' OR "
                                           f"{e} > '2038-01-19 03:14:07')"))
        return out
    if a.base in ("datetime", "timestamp") and b.base == "date":
        return [Loss(False, f"{what}: the time of day is lost", f"TIME({e}) <> '00:00:00'")]
    if b.base in _STRINGS and _capacity(b) is not None and _capacity(b) < 19 + (pa and pa + 1):
        return [Loss(False, f"{what}: the text form is cut to {_capacity(b)} characters",
                     f"CHAR_LENGTH({e}) > {_capacity(b)}")]
    if _numeric(b):
        return [Loss(False, f"{what}: dates become numbers such as 20190709",
                     f"{e} IS NOT NULL")]
    return []


# -- type facts --------------------------------------------------------------------------------
def _numeric(t: ColumnType) -> bool:
    return t.base in INTEGER_TYPES or t.base in _FRACTIONAL or t.base == "bit"


def _capacity(t: ColumnType) -> int | None:
    if t.base in ("char", "varchar", "binary", "varbinary"):
        return t.length
    if t.base == "enum":
        return max(len(v) for v in t.values)
    return _TEXT_CAPACITY.get(t.base)


def _int_range(t: ColumnType) -> tuple[int, int]:
    bits = _INT_BITS[t.base]
    return (0, 2 ** bits - 1) if t.unsigned else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


def _digits(t: ColumnType) -> int | None:
    """Integer digits a numeric type can hold (None: floating point)."""
    if t.base in INTEGER_TYPES:
        return len(str(max(abs(v) for v in _int_range(t))))
    if t.base == "decimal":
        m, d = (list(t.args) + [10, 0])[:2] if t.args else (10, 0)
        return m - d
    return None


def _scale(t: ColumnType) -> int:
    return t.args[1] if t.base == "decimal" and len(t.args) > 1 else 0


def short_type(t: ColumnType) -> str:
    """A type as a message shows it: an enum or set of many values by its size."""
    return f"{t.base} of {len(t.values)} values" if len(t.values) > 4 else str(t)


def _values(values) -> str:
    shown = ", ".join(repr(v) for v in list(values)[:8])
    return shown + (f", … ({len(values)} in all)" if len(values) > 8 else "")


# -- what an operation's check adds ------------------------------------------------------------
def certain_loss_problems(op, model: Schema) -> list[Diagnostic]:
    """E410 for each certain loss of ``op``'s moves, unless the step acknowledges its loss."""
    if op.data_loss is not None:
        return []
    return [op.error("E410", f"{loss.why}: the value is lost in every row; fix the mapping or "
                             "acknowledge it with data_loss: {acknowledged: true, reason: …}",
                     *move.keys)
            for move in op.value_moves(model) for loss in losses(move, model) if loss.certain]


# -- what a step copies (for naming what a later drop loses) ----------------------------------
def copied_columns(op, model: Schema) -> set[tuple[str, str]]:
    """(table, column), lower case, of every source column whose values ``op`` writes
    somewhere: the columns its moves read, and for a raw step the columns an INSERT's SELECT
    list or an UPDATE's SET values name. Columns used only to filter or join are not copied."""
    out: set[tuple[str, str]] = set()
    for move in op.value_moves(model):
        try:
            node = parse_expression(str(move.text))
        except SqlProblem:
            continue
        for column in node.find_all(exp.Column):
            table = move.scope.tables.get(column.table.lower()) if column.table \
                else move.scope.default
            if table:
                out.add((table.lower(), column.name.lower()))
    for statement in op.forward_statements():
        out |= _raw_copies(statement)
    return out


def _raw_copies(node: exp.Expression) -> set[tuple[str, str]]:
    """Columns whose values a raw INSERT … SELECT or UPDATE writes: its SELECT list or SET
    values, and the SELECT lists of the derived tables they read from."""
    if isinstance(node, exp.Insert) and node.expression is not None:
        values = list(getattr(node.expression, "selects", []))
    elif isinstance(node, exp.Update):
        values = [a.expression for a in node.expressions]
    else:
        return set()
    values += [v for sub in node.find_all(exp.Subquery) for v in getattr(sub.this, "selects", [])]
    tables = list(node.find_all(exp.Table))
    by_alias = {(t.alias or t.name).lower(): t.name for t in tables}
    names = [t.name for t in tables]
    out = set()
    for value in values:
        for column in value.find_all(exp.Column):
            if column.table:
                owners = [by_alias.get(column.table.lower(), column.table)]
            else:
                owners = names  # unqualified: any table of the statement may hold it
            out |= {(o.lower(), column.name.lower()) for o in owners}
    return out
