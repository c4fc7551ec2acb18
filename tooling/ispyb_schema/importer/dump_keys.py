# SPDX-License-Identifier: LGPL-3.0-or-later
"""Keys and foreign keys of a CREATE TABLE: PRIMARY, UNIQUE, plain, FULLTEXT and SPATIAL keys,
FOREIGN KEY ... REFERENCES with its ON DELETE/UPDATE actions, and the index MariaDB adds for a
foreign key whose columns do not lead a key already.
"""
from __future__ import annotations

from typing import Any

from sqlglot import exp

from ..model import ForeignKey, IndexPart
from .dump_common import E_INVALID, Reject, name_of, unexpected


def key_definition(node: exp.Expr) -> tuple[str, str | None, list[exp.Expr], str]:
    """(kind, name, key parts, comment) of a PRIMARY/UNIQUE/plain/FULLTEXT/SPATIAL key."""
    if isinstance(node, exp.PrimaryKey):
        unexpected(node, {"this", "expressions", "include", "options"})
        include = node.args.get("include")
        if include:
            unexpected(include, {"using"})
            _index_type(node, include.args.get("using"))
        return "PRIMARY", None, node.expressions, _key_comment(node)
    if isinstance(node, exp.UniqueColumnConstraint):
        unexpected(node, {"this", "index_type", "options"})
        if not isinstance(node.this, exp.Schema):
            raise Reject(node, "expected UNIQUE KEY with a column list")
        _index_type(node, node.args.get("index_type"))
        name = node.this.this.name if node.this.this else None
        return "UNIQUE", name, node.this.expressions, _key_comment(node)
    unexpected(node, {"this", "expressions", "kind", "index_type", "options"})
    _index_type(node, node.args.get("index_type"))
    kind = node.args.get("kind") or "INDEX"
    return kind, node.name or None, node.expressions, _key_comment(node)


def _key_comment(node: exp.Expr) -> str:
    comment = ""
    for option in node.args.get("options") or []:
        unexpected(option, {"comment", "using"})
        if option.args.get("comment"):
            comment = option.args["comment"].name
        _index_type(node, option.args.get("using"))
    return comment


def _index_type(node: exp.Expr, using: Any) -> None:
    if using and name_of(using).upper() != "BTREE":
        raise Reject(node, f"index type {name_of(using)} is not part of the model; "
                     "expected BTREE (InnoDB's only index type)")


def foreign_key(node: exp.ForeignKey, name: str) -> ForeignKey:
    unexpected(node, {"this", "expressions", "reference", "delete", "update", "options"})
    reference = node.args.get("reference")
    target = reference.this if reference else None
    if not (isinstance(target, exp.Schema) and isinstance(target.this, exp.Table)
            and not target.this.args.get("db")):
        raise Reject(node, "expected REFERENCES `table` (`column`, ...) in the same database")
    unexpected(reference, {"this", "options"})
    actions = {"DELETE": node.args.get("delete"), "UPDATE": node.args.get("update")}
    for option in [*(reference.args.get("options") or []), *(node.args.get("options") or [])]:
        words = option.split(" ", 2)
        if len(words) != 3 or words[0] != "ON" or words[1] not in actions:
            raise Reject(node, f"unsupported foreign key option {option!r}")
        actions[words[1]] = words[2]
    columns = tuple(i.name for i in node.expressions)
    ref_columns = tuple(i.name for i in target.expressions)
    if len(columns) != len(ref_columns) or not columns:
        raise Reject(node, f"foreign key `{name}` has {len(columns)} columns but references "
                     f"{len(ref_columns)}", E_INVALID)
    return ForeignKey(name, columns, target.this.name, ref_columns,
                      actions["DELETE"] or "RESTRICT", actions["UPDATE"] or "RESTRICT")


def generated_keys(needed: list[tuple[str | None, tuple[IndexPart, ...]]],
                   explicit: list[tuple[IndexPart, ...]]) -> list[tuple[str | None, tuple]]:
    """The indexes MariaDB adds for foreign keys: one per foreign key, unless its columns lead
    an explicit key, a longer added key, or an equal one added later (mysql_prepare_create_table)."""
    kept = []
    for i, (name, parts) in enumerate(needed):
        if any(_leads(parts, other) for other in explicit):
            continue
        if any(j != i and _leads(parts, other) and (len(other) > len(parts) or j > i)
               for j, (_, other) in enumerate(needed)):
            continue
        kept.append((name, parts))
    return kept


def _leads(parts: tuple[IndexPart, ...], of: tuple[IndexPart, ...]) -> bool:
    """Whether ``parts`` are the first key parts of ``of`` (whole columns, same order)."""
    lead = of[:len(parts)]
    return len(lead) == len(parts) and all(
        a.length is None and b.length is None and a.column.lower() == b.column.lower()
        for a, b in zip(parts, lead))
