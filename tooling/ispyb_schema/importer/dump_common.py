# SPDX-License-Identifier: LGPL-3.0-or-later
"""What the dump importer's modules share: the error codes, the exception for one clause that
cannot be mapped, and helpers that read a sqlglot node (its position, its text as written, its
name) or refuse the clauses of it that are not mapped.
"""
from __future__ import annotations

from typing import Any

from sqlglot import exp

from .dialect import MariaDB

E_SYNTAX, E_UNSUPPORTED, E_INVALID = "E030", "E031", "E032"  # see ispyb_schema/codes.py


class Reject(Exception):
    """One clause that cannot be mapped: ``node`` locates it."""

    def __init__(self, node: Any, message: str, code: str = E_UNSUPPORTED) -> None:
        super().__init__(message)
        self.node, self.message, self.code = node, message, code


def offset_of(node: Any, default: int) -> int:
    """Where a node is in the source: its first identifier or literal with a position or,
    failing that, its nearest ancestor's (most attributes carry no position of their own)."""
    while isinstance(node, exp.Expr):
        for sub in node.walk():
            start = sub.meta_get("start")
            if start is not None:
                return start
        node = node.parent
    return default


def unexpected(node: exp.Expr, allowed: set[str]) -> None:
    """Refuse any clause of ``node`` outside ``allowed``."""
    for key, value in node.args.items():
        if value and key not in allowed:
            raise Reject(node, f"unsupported {key.replace('_', ' ')} clause in "
                         f"{node.sql(dialect=MariaDB)[:60]!r}")


def source_of(node: Any, what: str) -> str:
    """An expression's text as written, which the dialect's parser keeps."""
    text = node.meta_get("sql") if isinstance(node, exp.Expr) else None
    if text is None:
        raise Reject(node, f"cannot read {what}")
    return text


def properties(tree: exp.Create) -> list[exp.Expr]:
    props = tree.args.get("properties")
    return props.expressions if props else []


def name_of(node: Any) -> str:
    return node.name if isinstance(node, exp.Expr) else str(node)
