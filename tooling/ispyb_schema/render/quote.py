# SPDX-License-Identifier: LGPL-3.0-or-later
"""Quoting for MariaDB: every identifier and string literal the tool emits goes through here."""
from __future__ import annotations

_STRING_ESCAPES = {
    "\\": "\\\\",
    "'": "''",
    "\0": "\\0",
    "\n": "\\n",
    "\r": "\\r",
    "\x1a": "\\Z",
}


def ident(name: str) -> str:
    """A backtick-quoted identifier; embedded backticks are doubled."""
    if not isinstance(name, str) or not name or "\0" in name:
        raise ValueError(f"not a valid identifier: {name!r}")
    return "`" + name.replace("`", "``") + "`"


def idents(names) -> str:
    return ",".join(ident(n) for n in names)


def string(value: str) -> str:
    """A single-quoted string literal, safe in MariaDB's default SQL mode."""
    return "'" + "".join(_STRING_ESCAPES.get(ch, ch) for ch in value) + "'"


def qualified(table: str, column: str | None = None) -> str:
    return ident(table) + ("." + ident(column) if column else "")
