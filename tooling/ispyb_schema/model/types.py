# SPDX-License-Identifier: LGPL-3.0-or-later
"""Column types, held in MariaDB's canonical spelling (``information_schema.COLUMNS.COLUMN_TYPE``).

``ColumnType.parse("int(10) unsigned")`` and ``str(t)`` round-trip exactly; the dump importer
and the live importer both end in this form, which is what makes their models comparable.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Every base type MariaDB 10.11 reports in COLUMN_TYPE that this tool knows how to carry.
KNOWN_TYPES = frozenset(
    """
    tinyint smallint mediumint int bigint bit
    decimal float double
    date datetime timestamp time year
    char varchar binary varbinary
    tinytext text mediumtext longtext tinyblob blob mediumblob longblob
    enum set json uuid inet4 inet6
    geometry point linestring polygon multipoint multilinestring multipolygon geometrycollection
    """.split()
)
INTEGER_TYPES = frozenset("tinyint smallint mediumint int bigint".split())
NUMERIC_TYPES = INTEGER_TYPES | {"decimal", "float", "double", "bit"}
STRING_TYPES = frozenset(
    "char varchar tinytext text mediumtext longtext enum set".split()
)
TEXT_BLOB_TYPES = frozenset(
    "tinytext text mediumtext longtext tinyblob blob mediumblob longblob json".split()
)
TEMPORAL_TYPES = frozenset("date datetime timestamp time year".split())

_TYPE_RE = re.compile(
    r"^(?P<base>[a-z0-9]+)"
    r"(?:\((?P<args>[^)]*)\))?"
    r"(?P<flags>(?:\s+(?:unsigned|zerofill|signed))*)"
    r"(?P<compressed>\s*/\*M!100301 COMPRESSED\*/)?$"
)


class TypeSyntaxError(ValueError):
    """A type string that is not in MariaDB's canonical COLUMN_TYPE form."""


@dataclass(frozen=True)
class ColumnType:
    base: str
    args: tuple[int, ...] = ()
    unsigned: bool = False
    zerofill: bool = False
    values: tuple[str, ...] = ()  # enum/set members

    def __post_init__(self) -> None:
        if self.base not in KNOWN_TYPES:
            raise TypeSyntaxError(f"unknown column type {self.base!r}")
        if self.values and self.base not in ("enum", "set"):
            raise TypeSyntaxError(f"{self.base} takes no value list")
        if self.base in ("enum", "set") and not self.values:
            raise TypeSyntaxError(f"{self.base} needs at least one value")

    @property
    def is_integer(self) -> bool:
        return self.base in INTEGER_TYPES

    @property
    def is_string(self) -> bool:
        return self.base in STRING_TYPES

    @property
    def is_text_or_blob(self) -> bool:
        return self.base in TEXT_BLOB_TYPES

    @property
    def length(self) -> int | None:
        return self.args[0] if self.args else None

    def __str__(self) -> str:
        if self.values:
            inner = ",".join(quote_enum_value(v) for v in self.values)
            text = f"{self.base}({inner})"
        elif self.args:
            text = f"{self.base}({','.join(str(a) for a in self.args)})"
        else:
            text = self.base
        if self.unsigned:
            text += " unsigned"
        if self.zerofill:
            text += " zerofill"
        return text

    @classmethod
    def parse(cls, text: str) -> "ColumnType":
        """Parse a canonical type string such as ``decimal(10,2) unsigned`` or ``enum('a','b')``."""
        text = text.strip()
        lowered = text.lower()
        if lowered.startswith(("enum(", "set(")):
            base = lowered.split("(", 1)[0]
            if not text.endswith(")"):
                raise TypeSyntaxError(f"unterminated value list in {text!r}")
            return cls(base, values=tuple(split_enum_values(text[len(base) + 1 : -1])))
        match = _TYPE_RE.match(lowered)
        if not match:
            raise TypeSyntaxError(f"not a MariaDB column type: {text!r}")
        args = ()
        if match["args"]:
            try:
                args = tuple(int(a) for a in match["args"].split(","))
            except ValueError:
                raise TypeSyntaxError(f"type arguments must be integers in {text!r}") from None
        flags = match["flags"].split()
        return cls(match["base"], args, "unsigned" in flags, "zerofill" in flags)


def quote_enum_value(value: str) -> str:
    """Quote an enum/set member the way SHOW CREATE TABLE does."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def split_enum_values(inner: str) -> list[str]:
    """Split ``'a','b''c'`` into ``["a", "b'c"]`` (doubled quotes and backslash escapes)."""
    values: list[str] = []
    i, n = 0, len(inner)
    while i < n:
        if inner[i] != "'":
            raise TypeSyntaxError(f"expected a quoted value at {inner[i:]!r}")
        i += 1
        buf = []
        while True:
            if i >= n:
                raise TypeSyntaxError(f"unterminated quoted value in {inner!r}")
            ch = inner[i]
            if ch == "\\" and i + 1 < n:
                buf.append(inner[i + 1])
                i += 2
            elif ch == "'" and i + 1 < n and inner[i + 1] == "'":
                buf.append("'")
                i += 2
            elif ch == "'":
                i += 1
                break
            else:
                buf.append(ch)
                i += 1
        values.append("".join(buf))
        if i < n:
            if inner[i] != ",":
                raise TypeSyntaxError(f"expected ',' between values in {inner!r}")
            i += 1
    return values
