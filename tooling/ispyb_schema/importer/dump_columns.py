# SPDX-License-Identifier: LGPL-3.0-or-later
"""Column definitions of a CREATE TABLE: the type, DEFAULT and the other attributes, in the
canonical forms of ``information_schema.COLUMNS`` (``int`` is ``int(11)``, a default of
``decimal(5,2)`` is ``1.00``, every spelling of "now" is ``current_timestamp()``).
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlglot import exp

from ..model import ColumnType, Generated, TypeSyntaxError
from ..model.types import INTEGER_TYPES
from .dialect import CompressedColumnConstraint, MariaDB, UnsignedFloat
from .dump_common import Reject, name_of, source_of, unexpected

_D = exp.DType
_TYPES: dict[exp.DType, tuple[str, bool]] = {  # sqlglot type -> (MariaDB type, unsigned)
    **{getattr(_D, n.upper()): (n, False) for n in (
        "tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "float", "double", "bit",
        "date", "datetime", "time", "year", "char", "varchar", "binary", "varbinary", "tinytext",
        "text", "mediumtext", "longtext", "tinyblob", "blob", "mediumblob", "longblob", "enum",
        "set", "json", "uuid", "geometry", "point", "linestring", "polygon", "multilinestring",
        "multipolygon")},
    **{getattr(_D, "U" + n.upper()): (n, True) for n in (
        "tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "double")},
    _D.TIMESTAMPTZ: ("timestamp", False),  # sqlglot's MySQL reads TIMESTAMP as TIMESTAMPTZ
    _D.BOOLEAN: ("tinyint", False),
}
_INT_WIDTHS = {"tinyint": (4, 3), "smallint": (6, 5), "mediumint": (9, 8), "int": (11, 10),
               "bigint": (20, 20)}  # display width MariaDB gives when none is written
_MAX_ARGS = {**dict.fromkeys(INTEGER_TYPES | {"bit", "char", "varchar", "binary", "varbinary",
                                              "datetime", "timestamp", "time", "year"}, 1),
             "decimal": 2, "float": 2, "double": 2}
_NUMERIC = INTEGER_TYPES | {"decimal", "float", "double"}
_NOW = {"NOW", "LOCALTIME", "LOCALTIMESTAMP", "CURRENT_TIMESTAMP"}
_SQL_ESCAPES = str.maketrans({"\\": "\\\\", "'": "''", "\n": "\\n", "\r": "\\r", "\0": "\\0"})
_NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?")


def sql_string(value: str) -> str:
    """Quote a string the way MariaDB prints defaults (``append_unescaped``)."""
    return "'" + value.translate(_SQL_ESCAPES) + "'"


def column_attribute(constraint: exp.Expr) -> tuple[str, Any]:
    """The Column field one column attribute sets, and its value."""
    kind = constraint.args.get("kind") if isinstance(constraint, exp.ColumnConstraint) else None
    if kind is None or constraint.args.get("this"):
        raise Reject(constraint, f"unsupported column attribute "
                     f"{constraint.sql(dialect=MariaDB)!r}")
    unexpected(kind, {"this", "allow_null", "persisted"})
    match kind:
        case exp.NotNullColumnConstraint():
            return "nullable", bool(kind.args.get("allow_null"))
        case exp.DefaultColumnConstraint():
            return "default", kind.this
        case exp.OnUpdateColumnConstraint() if _now_text(kind.this):
            return "on_update", _now_text(kind.this)
        case exp.AutoIncrementColumnConstraint():
            return "auto_increment", True
        case exp.CharacterSetColumnConstraint():
            return "charset", name_of(kind.this)
        case exp.CollateColumnConstraint():
            return "collation", name_of(kind.this)
        case exp.CommentColumnConstraint():
            return "comment", name_of(kind.this)
        case exp.ComputedColumnConstraint():
            expression = source_of(kind.this, "a generated column written `AS (...)`; expected "
                                   "GENERATED ALWAYS AS (...)")
            return "generated", Generated(expression, bool(kind.args.get("persisted")))
        case exp.CheckColumnConstraint():
            return "check", source_of(kind.this, "this CHECK")
        case CompressedColumnConstraint():
            return "compressed", True
        case exp.ZeroFillColumnConstraint():
            return "zerofill", True
    raise Reject(constraint, f"unsupported column attribute {kind.sql(dialect=MariaDB)!r}; "
                 "expected [NOT] NULL, DEFAULT, ON UPDATE current_timestamp(), AUTO_INCREMENT, "
                 "CHARACTER SET, COLLATE, COMMENT, GENERATED ALWAYS AS, CHECK, COMPRESSED or "
                 "ZEROFILL")


def column_type(node: exp.Expr, zerofill: bool) -> ColumnType:
    if not isinstance(node, exp.DataType) or node.this not in _TYPES:
        what = node.sql(dialect=MariaDB) if isinstance(node, exp.Expr) else "no type"
        raise Reject(node, f"unsupported column type {what!r}")
    unexpected(node, {"this", "expressions", "nested"})
    base, unsigned = _TYPES[node.this]
    unsigned = unsigned or isinstance(node, UnsignedFloat) or zerofill  # ZEROFILL implies it
    try:
        if base in ("enum", "set"):
            return ColumnType(base, values=_enum_values(node), unsigned=unsigned)
        args = (1,) if node.this == _D.BOOLEAN else _type_args(node, base)
        if base == "float" and len(args) == 1:  # float(p): a float or a double by precision
            base, args = ("float" if args[0] <= 24 else "double"), ()
        return ColumnType(base, _canonical_args(base, args, unsigned), unsigned, zerofill)
    except TypeSyntaxError as err:
        raise Reject(node, str(err)) from None


def _type_args(node: exp.DataType, base: str) -> tuple[int, ...]:
    args = []
    for param in node.expressions:
        value = param.this if isinstance(param, exp.DataTypeParam) else None
        if not (isinstance(value, exp.Literal) and value.is_int) or param.args.get("expression"):
            raise Reject(node, f"expected whole-number type arguments in "
                         f"{node.sql(dialect=MariaDB)!r}")
        args.append(int(value.name))
    if len(args) > _MAX_ARGS.get(base, 0) or (base in ("varchar", "varbinary") and not args):
        raise Reject(node, f"unexpected arguments for {base}: {node.sql(dialect=MariaDB)!r}")
    return tuple(args)


def _canonical_args(base: str, args: tuple[int, ...], unsigned: bool) -> tuple[int, ...]:
    """The arguments MariaDB reports when fewer are written (``int`` is ``int(11)``)."""
    if base in _INT_WIDTHS and not args:
        return (_INT_WIDTHS[base][unsigned],)
    if base == "decimal":
        return args + (10, 0)[len(args):]
    if base in ("bit", "char", "binary") and not args:
        return (1,)
    if base == "year" and not args:
        return (4,)
    if base in ("datetime", "timestamp", "time") and args == (0,):
        return ()
    return args


def _enum_values(node: exp.DataType) -> tuple[str, ...]:
    values = node.expressions
    if not all(isinstance(v, exp.Literal) and v.is_string for v in values):
        raise Reject(node, "expected quoted strings as enum/set values")
    return tuple(v.name for v in values)


def default_text(node: exp.Expr | None, ctype: ColumnType) -> str | None:
    """A DEFAULT as information_schema.COLUMNS.COLUMN_DEFAULT shows it."""
    if node is None:
        return None
    if isinstance(node, exp.Null):
        return "NULL"
    if isinstance(node, exp.Boolean):
        return "1" if node.this else "0"
    numeric = ctype.base in _NUMERIC
    number = _number_text(node)
    if number is not None:
        return _canonical_number(number, ctype) if numeric else sql_string(number)
    if isinstance(node, exp.Literal) and node.is_string:
        if numeric and _NUMBER_RE.fullmatch(node.name):
            return _canonical_number(node.name, ctype)
        return sql_string(node.name)
    return _now_text(node) or _current_user_text(node) or source_of(node, "this DEFAULT")


def _number_text(node: exp.Expr) -> str | None:
    if isinstance(node, exp.Neg):
        inner = _number_text(node.this)
        return "-" + inner if inner is not None else None
    if isinstance(node, exp.Literal) and not node.is_string:
        return node.name
    return None


def _canonical_number(text: str, ctype: ColumnType) -> str:
    """A number as MariaDB prints it for the column's type (``decimal(5,2)``: ``1.00``)."""
    value = Decimal(text)
    if ctype.is_integer and value == value.to_integral_value():
        return str(int(value))
    if ctype.base == "decimal":
        return str(value.quantize(Decimal(1).scaleb(-ctype.args[1])))
    if ctype.base in ("float", "double") and "e" not in text.lower():
        return format(value.normalize(), "f")
    return text


def _now_text(node: exp.Expr) -> str | None:
    """``current_timestamp([precision])`` for any spelling of "now"."""
    if isinstance(node, exp.CurrentTimestamp):
        precision = node.this
    elif isinstance(node, exp.Anonymous) and node.name.upper() in _NOW:
        precision = node.expressions[0] if node.expressions else None
    else:
        return None
    return f"current_timestamp({precision.name if precision else ''})"


def _current_user_text(node: exp.Expr) -> str | None:
    return "current_user()" if isinstance(node, exp.CurrentUser) else None
