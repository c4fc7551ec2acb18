# SPDX-License-Identifier: LGPL-3.0-or-later
"""Type-checked data movement: each (source, target column) pair judged from the two types."""
from __future__ import annotations

import pytest

from ispyb_schema.changeset.operations.typecheck import Move, losses
from ispyb_schema.changeset.sqlcheck import Scope
from ispyb_schema.model import Column, ColumnType, Schema, Table

SOURCE = {
    "path512": "varchar(512)", "symbol": "varchar(2)", "stamp6": "datetime(6)",
    "stamp": "datetime", "big": "bigint(20)", "uint": "int(10) unsigned", "sint": "int(11)",
    "money": "decimal(10,4)", "ratio": "double", "kind": "enum('a','b','long value')",
    "digits": "enum('1','2','x')", "letters": "enum('Fe','Cu')", "day": "date",
}
TARGET = {
    "path255": "varchar(255)", "number": "float", "when": "date", "tiny": "tinyint(4)",
    "small_unsigned": "smallint(5) unsigned", "signed": "int(11)", "cents": "decimal(6,2)",
    "single": "float", "short_kind": "enum('a','b')", "code": "varchar(4)",
    "stamp0": "datetime", "stamp_ts": "timestamp", "text_latin1": "varchar(40)",
    "required": "varchar(40)", "whole": "bigint(20)", "wide": "varchar(600)",
}


def _schema() -> Schema:
    source = Table("Src", tuple(Column(n, ColumnType.parse(t)) for n, t in SOURCE.items()))
    columns = [Column(n, ColumnType.parse(t), charset="latin1" if n == "text_latin1" else None)
               for n, t in TARGET.items() if n != "required"]
    columns.append(Column("required", ColumnType.parse("varchar(40)"), nullable=False))
    return Schema((source, Table("Dst", tuple(columns))))


def _losses(source: str, target: str):
    model = _schema()
    move = Move("Dst", target, source, Scope(model, {"src": "Src"}, "Src"), ("x",), "Src")
    return losses(move, model)


@pytest.mark.parametrize("source, target, certain, phrase", [
    ("path512", "path255", False, "values longer than 255 characters are cut"),
    ("path512", "number", False, "text that is not a number"),
    ("path512", "when", False, "text that is not a date"),
    ("sint", "tiny", False, "values outside -128 to 127"),
    ("sint", "small_unsigned", False, "values outside 0 to 65535"),
    ("uint", "signed", False, "values outside -2147483648 to 2147483647"),
    ("money", "cents", False, "more than 2 decimals are rounded"),
    ("ratio", "single", False, "float keeps about 7 significant digits"),
    ("ratio", "signed", False, "fractions are rounded"),
    ("stamp6", "stamp0", False, "fractions of a second beyond 0 digits are lost"),
    ("stamp", "when", False, "the time of day is lost"),
    ("stamp", "stamp_ts", False, "dates outside 1970-2038"),
    ("path512", "text_latin1", False, "characters latin1 cannot hold"),
    ("kind", "short_kind", False, "values 'long value' are not in the target's list"),
    ("path512", "short_kind", False, "values outside the list ('a', 'b')"),
    ("digits", "number", False, "values 'x' do not convert"),
    ("letters", "number", True, "none of its values is a number"),
    ("kind", "code", False, "values 'long value' are longer than 4 characters"),
    ("symbol", "required", False, "rows where Src.symbol is NULL are refused"),
    ("'a much too long text for four'", "code", True, "is cut to 4"),
    ("'Fe'", "number", True, "is not a number"),
    ("300", "tiny", True, "300 is outside the range"),
    ("NULL", "required", True, "NULL into Dst.required, which is NOT NULL"),
    ("'c'", "short_kind", True, "'c' is not a value of Dst.short_kind"),
])
def test_a_lossy_move_is_named(source, target, certain, phrase):
    found = _losses(source, target)
    assert any(loss.certain == certain and phrase in loss.why for loss in found), found


@pytest.mark.parametrize("source, target", [
    ("path512", "wide"), ("uint", "whole"), ("sint", "whole"), ("day", "stamp0"),
    ("kind", "path255"), ("digits", "path255"), ("'shrt'", "code"), ("12", "tiny"),
    ("`symbol` ", "path255"),
])
def test_a_move_that_fits_is_not_reported(source, target):
    assert [loss for loss in _losses(source, target) if "NULL" not in loss.why] == []
