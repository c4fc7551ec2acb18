# SPDX-License-Identifier: LGPL-3.0-or-later
"""A column as MariaDB will report it after the ALTER: canonical type, default and charset.

A proposal may write ``int unsigned`` or ``default: 0``; the server reports ``int(10) unsigned``
and ``'0'``-free ``0``. The model after ``apply`` must equal what the server reports, so every
column an operation creates or changes goes through :func:`canonical_column`.
"""
from __future__ import annotations

import functools
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from sqlglot import exp

from ..model import Column, ColumnType, Table
from .sqlcheck import SqlProblem, parse_expression, problem_at

# Display widths MariaDB gives integer types written without one: (signed, unsigned).
_INT_WIDTHS = {"tinyint": (4, 3), "smallint": (6, 5), "mediumint": (9, 8), "int": (11, 10),
               "bigint": (20, 20)}
_ONE_ARG_DEFAULTS = {"char": (1,), "binary": (1,), "bit": (1,), "year": (4,)}
# The collation MariaDB 10.11 picks for a charset given without one.
DEFAULT_COLLATIONS = {
    "latin1": "latin1_swedish_ci", "utf8mb4": "utf8mb4_general_ci",
    "utf8mb3": "utf8mb3_general_ci", "utf8": "utf8mb3_general_ci", "ascii": "ascii_general_ci",
    "binary": "binary", "ucs2": "ucs2_general_ci", "utf16": "utf16_general_ci",
}
_DEFAULT_FUNCTIONS = {exp.CurrentTimestamp: "current_timestamp", exp.CurrentUser: "current_user"}


def canonical_type(ctype: ColumnType) -> ColumnType:
    """The type as information_schema.COLUMNS.COLUMN_TYPE spells it."""
    args = ctype.args
    unsigned = ctype.unsigned or ctype.zerofill
    if ctype.base in _INT_WIDTHS and not args:
        args = (_INT_WIDTHS[ctype.base][1 if unsigned else 0],)
    elif ctype.base == "decimal":
        args = (args + (10,))[:1] + (args[1:] or (0,)) if args else (10, 0)
    elif ctype.base in _ONE_ARG_DEFAULTS and not args:
        args = _ONE_ARG_DEFAULTS[ctype.base]
    return replace(ctype, args=args, unsigned=unsigned)


def type_problem(ctype: ColumnType) -> str | None:
    """Why MariaDB would refuse this type, if it would."""
    if ctype.base in ("varchar", "varbinary") and not ctype.args:
        return f"{ctype.base} needs a length, e.g. {ctype.base}(255)"
    if ctype.unsigned and ctype.base not in ("tinyint", "smallint", "mediumint", "int",
                                             "bigint", "decimal", "float", "double"):
        return f"{ctype.base} cannot be unsigned"
    return None


def canonical_default(value, ctype: ColumnType) -> str:
    """The default as information_schema.COLUMNS.COLUMN_DEFAULT spells it; SqlProblem if the
    text is not a literal, NULL or CURRENT_TIMESTAMP/CURRENT_USER."""
    if isinstance(value, (str, int, float)):  # (bool is an int) hashable: parsed once
        return _canonical_default(value, type(value), ctype)
    return _canonical(value, ctype)


@functools.lru_cache(maxsize=4096)
def _canonical_default(value, kind: type, ctype: ColumnType) -> str:
    return _canonical(value, ctype)  # ``kind``: 1, 1.0 and True are equal keys otherwise


def _canonical(value, ctype: ColumnType) -> str:
    node = parse_expression(str(value).lower() if isinstance(value, bool) else str(value))
    if isinstance(node, exp.Null):
        return "NULL"
    for kind, name in _DEFAULT_FUNCTIONS.items():
        if isinstance(node, kind):
            precision = node.args.get("this")
            return f"{name}({precision.name if precision else ''})"
    if isinstance(node, exp.Boolean):
        return "1" if node.this else "0"
    negative = isinstance(node, exp.Neg)
    literal = node.this if negative else node
    if not isinstance(literal, exp.Literal) or (negative and literal.is_string):
        raise problem_at(node, "E603", f"a default must be a literal, NULL or "
                                       f"current_timestamp(), not {node.sql()!r}")
    text = ("-" if negative else "") + literal.this
    if ctype.base in _INT_WIDTHS or ctype.base in ("decimal", "float", "double"):
        return _number(text, ctype)
    if ctype.base in ("enum", "set") and text not in ctype.values and not (
            ctype.base == "set" and set(text.split(",")) <= set(ctype.values)):
        raise SqlProblem("E206", f"default {text!r} is not one of the values "
                                 f"{list(ctype.values)}")
    return "'" + text.replace("'", "''") + "'"


def _number(text: str, ctype: ColumnType) -> str:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise SqlProblem("E206", f"default {text!r} is not a number, as a {ctype.base} "
                                 "column needs") from None
    if ctype.base in _INT_WIDTHS:
        if number != number.to_integral_value():
            raise SqlProblem("E206", f"default {text} is not an integer")
        return str(int(number))
    if ctype.base == "decimal":
        return f"{number:.{ctype.args[1]}f}"
    return format(number.normalize(), "f") if number != 0 else "0"


def canonical_column(table: Table, column: Column) -> Column:
    """``column`` as the server will report it inside ``table``: canonical type, charset and
    collation only where they differ from the table's."""
    ctype = canonical_type(column.type)
    charset, collation = column.charset, column.collation
    if not ctype.is_string:
        charset = collation = None
    else:
        if charset and not collation:
            collation = DEFAULT_COLLATIONS.get(charset.lower())
        if collation and not charset:
            charset = collation.split("_")[0]
        if collation == table.collation or (charset == table.charset and collation is None):
            charset = collation = None
    return replace(column, type=ctype, charset=charset, collation=collation)
