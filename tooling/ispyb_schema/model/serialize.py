# SPDX-License-Identifier: LGPL-3.0-or-later
"""The project's own schema format: plain dicts (YAML/JSON) <-> model.

One table is a mapping::

    table: DataCollection
    comment: One sweep of images ...
    charset: latin1
    collation: latin1_swedish_ci
    columns:
      - name: dataCollectionId
        type: int(11) unsigned
        nullable: false
        auto_increment: true
      - name: imagePrefix
        type: varchar(45)          # nullable, DEFAULT NULL: both are the defaults
    indexes:
      - {name: PRIMARY, kind: PRIMARY, columns: [dataCollectionId]}
      - {name: DataCollection_FKIndex0, columns: [BLSAMPLEID]}
    foreign_keys:
      - name: DataCollection_ibfk_1
        columns: [dataCollectionGroupId]
        references: {table: DataCollectionGroup, columns: [dataCollectionGroupId]}
        on_delete: CASCADE

Keys left out take the documented defaults, so ``to_dict`` writes only what matters and
``from_dict(to_dict(t)) == t``. Index columns are written ``name``, ``name(10)`` (prefix) or
``name DESC``.
"""
from __future__ import annotations

import re
from typing import Any

from ..errors import Diagnostic, InputError
from .schema import (
    FK_ACTIONS,
    INDEX_KINDS,
    Check,
    Column,
    ForeignKey,
    Generated,
    Index,
    IndexPart,
    Schema,
    Table,
    View,
)
from .types import ColumnType, TypeSyntaxError

_PART_RE = re.compile(r"^(?P<col>[^()\s]+)(?:\((?P<len>\d+)\))?(?P<desc>\s+DESC)?$", re.I)

TABLE_DEFAULTS = {"engine": "InnoDB", "charset": "utf8mb4", "collation": "utf8mb4_general_ci"}


# -- model -> dict ---------------------------------------------------------------------------
def column_to_dict(col: Column) -> dict[str, Any]:
    out: dict[str, Any] = {"name": col.name}
    if col.type.values:  # enum/set members as a list: readable, and one line per change
        out["type"] = col.type.base + (" unsigned" if col.type.unsigned else "")
        out["values"] = list(col.type.values)
    else:
        out["type"] = str(col.type)
    if not col.nullable:
        out["nullable"] = False
    if col.default is not None and not (col.nullable and col.default == "NULL"):
        out["default"] = col.default
    if col.on_update:
        out["on_update"] = col.on_update
    if col.auto_increment:
        out["auto_increment"] = True
    if col.charset:
        out["charset"] = col.charset
    if col.collation:
        out["collation"] = col.collation
    if col.generated:
        out["generated"] = {"expression": col.generated.expression,
                            "stored": col.generated.stored}
    if col.compressed:
        out["compressed"] = True
    if col.check:
        out["check"] = col.check
    if col.comment:
        out["comment"] = col.comment
    return out


def part_to_str(part: IndexPart) -> str:
    text = part.column + (f"({part.length})" if part.length else "")
    return text + (" DESC" if part.descending else "")


def index_to_dict(idx: Index) -> dict[str, Any]:
    out: dict[str, Any] = {"name": idx.name}
    if idx.kind != "INDEX":
        out["kind"] = idx.kind
    out["columns"] = [part_to_str(p) for p in idx.parts]
    if idx.comment:
        out["comment"] = idx.comment
    return out


def fk_to_dict(fk: ForeignKey) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": fk.name,
        "columns": list(fk.columns),
        "references": {"table": fk.ref_table, "columns": list(fk.ref_columns)},
    }
    if fk.on_delete != "RESTRICT":
        out["on_delete"] = fk.on_delete
    if fk.on_update != "RESTRICT":
        out["on_update"] = fk.on_update
    return out


def table_to_dict(table: Table) -> dict[str, Any]:
    out: dict[str, Any] = {"table": table.name}
    if table.comment:
        out["comment"] = table.comment
    for key, default in TABLE_DEFAULTS.items():
        value = getattr(table, key)
        if value != default or key != "engine":
            out[key] = value
    if table.row_format:
        out["row_format"] = table.row_format
    out["columns"] = [column_to_dict(c) for c in table.columns]
    if table.indexes:
        out["indexes"] = [index_to_dict(i) for i in table.indexes]
    if table.foreign_keys:
        out["foreign_keys"] = [fk_to_dict(f) for f in table.foreign_keys]
    if table.checks:
        out["checks"] = [{"name": c.name, "expression": c.expression} for c in table.checks]
    return out


def view_to_dict(view: View) -> dict[str, Any]:
    out: dict[str, Any] = {"view": view.name, "definition": view.definition}
    for key, default in (("algorithm", "UNDEFINED"), ("security", "DEFINER"),
                         ("check_option", "NONE"), ("comment", ""), ("definer", None),
                         ("client_charset", None), ("connection_collation", None)):
        if getattr(view, key) != default:
            out[key] = getattr(view, key)
    return out


def schema_to_dict(schema: Schema) -> dict[str, Any]:
    return {
        "tables": [table_to_dict(t) for t in schema.tables],
        "views": [view_to_dict(v) for v in schema.views],
    }


# -- dict -> model ---------------------------------------------------------------------------
class _Reader:
    """Reads one mapping, collecting a diagnostic for every problem found."""

    def __init__(self, locator, problems: list[Diagnostic]) -> None:
        self.locator, self.problems = locator, problems

    def fail(self, path, message: str, key: bool = False) -> None:
        loc = self.locator.loc(path, key=key) if self.locator else None
        self.problems.append(Diagnostic(loc, message, "E010"))

    def get(self, data: dict, path, key: str, kind, default=None, required=False):
        if not isinstance(data, dict):
            self.fail(path, f"expected a mapping, got {type(data).__name__}")
            return default
        if key not in data:
            if required:
                self.fail(path, f"missing required key {key!r}")
            return default
        value = data[key]
        if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, kind):
            expected = kind.__name__ if isinstance(kind, type) else " or ".join(
                k.__name__ for k in kind)
            self.fail(path + (key,), f"{key!r} must be {expected}, got {value!r}")
            return default
        return value

    def unknown_keys(self, data: dict, path, allowed: set[str]) -> None:
        if isinstance(data, dict):
            for key in data:
                if key not in allowed:
                    self.fail(path + (key,),
                              f"unknown key {key!r}; expected one of {sorted(allowed)}", key=True)


_COLUMN_KEYS = {"name", "type", "values", "nullable", "default", "on_update", "auto_increment", "charset",
                "collation", "generated", "compressed", "check", "comment"}
_INDEX_KEYS = {"name", "kind", "columns", "comment"}
_FK_KEYS = {"name", "columns", "references", "on_delete", "on_update"}
_TABLE_KEYS = {"table", "comment", "engine", "charset", "collation", "row_format", "columns",
               "indexes", "foreign_keys", "checks"}


def _column(r: _Reader, data: dict, path) -> Column | None:
    r.unknown_keys(data, path, _COLUMN_KEYS)
    name = r.get(data, path, "name", str, required=True)
    type_text = r.get(data, path, "type", str, required=True)
    if name is None or type_text is None:
        return None
    values = r.get(data, path, "values", list)
    try:
        if values is not None:
            if type_text not in ("enum", "set"):
                raise TypeSyntaxError(f"'values' goes with type enum or set, not {type_text!r}")
            if not all(isinstance(v, str) for v in values):
                raise TypeSyntaxError("enum/set values must be strings")
            ctype = ColumnType(type_text, values=tuple(values))
        else:
            ctype = ColumnType.parse(type_text)
    except TypeSyntaxError as err:
        r.fail(path + ("type",), f"column {name!r}: {err}")
        return None
    generated = None
    gen = r.get(data, path, "generated", dict)
    if gen is not None:
        expr = r.get(gen, path + ("generated",), "expression", str, required=True)
        generated = Generated(expr or "", bool(gen.get("stored", False)))
    default = data.get("default") if isinstance(data, dict) else None
    if default is not None:
        default = r.get(data, path, "default", str)
    return Column(
        name=name,
        type=ctype,
        nullable=r.get(data, path, "nullable", bool, True),
        default=default,
        on_update=r.get(data, path, "on_update", str),
        auto_increment=r.get(data, path, "auto_increment", bool, False),
        charset=r.get(data, path, "charset", str),
        collation=r.get(data, path, "collation", str),
        comment=r.get(data, path, "comment", str, ""),
        generated=generated,
        compressed=r.get(data, path, "compressed", bool, False),
        check=r.get(data, path, "check", str),
    )


def parse_index_part(text: str) -> IndexPart | None:
    match = _PART_RE.match(text.strip())
    if not match:
        return None
    return IndexPart(match["col"], int(match["len"]) if match["len"] else None,
                     bool(match["desc"]))


def _index(r: _Reader, data: dict, path, columns: set[str]) -> Index | None:
    r.unknown_keys(data, path, _INDEX_KEYS)
    name = r.get(data, path, "name", str, required=True)
    kind = r.get(data, path, "kind", str, "INDEX").upper()
    if kind not in INDEX_KINDS:
        r.fail(path + ("kind",), f"index kind must be one of {list(INDEX_KINDS)}, got {kind!r}")
    parts = []
    for i, text in enumerate(r.get(data, path, "columns", list, [], required=True)):
        part = parse_index_part(text) if isinstance(text, str) else None
        if part is None:
            r.fail(path + ("columns", i), f"expected 'column', 'column(N)' or 'column DESC', "
                                          f"got {text!r}")
        elif part.column.lower() not in columns:
            r.fail(path + ("columns", i), f"index {name!r} names unknown column {part.column!r}")
        else:
            parts.append(part)
    if not name:
        return None
    return Index(name, tuple(parts), kind, r.get(data, path, "comment", str, ""))


def _action(r: _Reader, data: dict, path, key: str) -> str:
    value = r.get(data, path, key, str, "RESTRICT").upper()
    if value not in FK_ACTIONS:
        r.fail(path + (key,), f"{key} must be one of {list(FK_ACTIONS)}, got {value!r}")
    return value


def _foreign_key(r: _Reader, data: dict, path) -> ForeignKey | None:
    r.unknown_keys(data, path, _FK_KEYS)
    name = r.get(data, path, "name", str, required=True)
    cols = r.get(data, path, "columns", list, [], required=True)
    ref = r.get(data, path, "references", dict, {}, required=True)
    ref_table = r.get(ref, path + ("references",), "table", str, required=True)
    ref_cols = r.get(ref, path + ("references",), "columns", list, [], required=True)
    if not name or not ref_table:
        return None
    if len(cols) != len(ref_cols):
        r.fail(path, f"foreign key {name!r} has {len(cols)} columns but references "
                     f"{len(ref_cols)}")
    return ForeignKey(name, tuple(cols), ref_table, tuple(ref_cols),
                      _action(r, data, path, "on_delete"), _action(r, data, path, "on_update"))


def table_from_dict(data: dict, locator=None, problems: list[Diagnostic] | None = None,
                    path=()) -> Table | None:
    """Build a Table; problems are appended to ``problems`` (raised if none was given)."""
    own = problems is None
    problems = [] if own else problems
    r = _Reader(locator, problems)
    r.unknown_keys(data, path, _TABLE_KEYS)
    name = r.get(data, path, "table", str, required=True)
    columns = [
        _column(r, c, path + ("columns", i))
        for i, c in enumerate(r.get(data, path, "columns", list, [], required=True))
    ]
    columns = [c for c in columns if c]
    seen: set[str] = set()
    for i, col in enumerate(columns):
        if col.name.lower() in seen:
            r.fail(path + ("columns", i), f"duplicate column {col.name!r}")
        seen.add(col.name.lower())
    indexes = [_index(r, d, path + ("indexes", i), seen)
               for i, d in enumerate(r.get(data, path, "indexes", list, []))]
    fks = [_foreign_key(r, d, path + ("foreign_keys", i))
           for i, d in enumerate(r.get(data, path, "foreign_keys", list, []))]
    checks = []
    for i, d in enumerate(r.get(data, path, "checks", list, [])):
        cname = r.get(d, path + ("checks", i), "name", str, required=True)
        expr = r.get(d, path + ("checks", i), "expression", str, required=True)
        if cname and expr:
            checks.append(Check(cname, expr))
    table = None
    if name:
        table = Table(
            name=name,
            columns=tuple(columns),
            indexes=tuple(i for i in indexes if i),
            foreign_keys=tuple(f for f in fks if f),
            checks=tuple(checks),
            engine=r.get(data, path, "engine", str, TABLE_DEFAULTS["engine"]),
            charset=r.get(data, path, "charset", str, TABLE_DEFAULTS["charset"]),
            collation=r.get(data, path, "collation", str, TABLE_DEFAULTS["collation"]),
            comment=r.get(data, path, "comment", str, ""),
            row_format=r.get(data, path, "row_format", str),
        )
    if own and problems:
        raise InputError(problems)
    return table


def view_from_dict(data: dict, locator=None, problems: list[Diagnostic] | None = None,
                   path=()) -> View | None:
    own = problems is None
    problems = [] if own else problems
    r = _Reader(locator, problems)
    r.unknown_keys(data, path, {"view", "definition", "algorithm", "security", "check_option",
                                "comment", "definer", "client_charset",
                                "connection_collation"})
    name = r.get(data, path, "view", str, required=True)
    definition = r.get(data, path, "definition", str, required=True)
    view = None
    if name and definition:
        view = View(name, definition.strip(),
                    r.get(data, path, "algorithm", str, "UNDEFINED"),
                    r.get(data, path, "security", str, "DEFINER"),
                    r.get(data, path, "check_option", str, "NONE"),
                    r.get(data, path, "comment", str, ""),
                    r.get(data, path, "definer", str),
                    r.get(data, path, "client_charset", str),
                    r.get(data, path, "connection_collation", str))
    if own and problems:
        raise InputError(problems)
    return view


def schema_from_dict(data: dict, locator=None) -> Schema:
    problems: list[Diagnostic] = []
    r = _Reader(locator, problems)
    r.unknown_keys(data, (), {"tables", "views"})
    tables = [table_from_dict(t, locator, problems, ("tables", i))
              for i, t in enumerate(r.get(data, (), "tables", list, []))]
    views = [view_from_dict(v, locator, problems, ("views", i))
             for i, v in enumerate(r.get(data, (), "views", list, []))]
    if problems:
        raise InputError(problems)
    return Schema(tuple(t for t in tables if t), tuple(v for v in views if v))
