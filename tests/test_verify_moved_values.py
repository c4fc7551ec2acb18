# SPDX-License-Identifier: LGPL-3.0-or-later
"""verify's moved-values check compares the values themselves, row by row, on a real server:
a value changed on the way is reported with the first differing row, also when the counts
agree."""
from __future__ import annotations

from ispyb_schema.model import Column, ColumnType, Table
from ispyb_schema.render.quote import ident
from ispyb_schema.verify.generic_checks import first_difference, move_result
from ispyb_schema.verify.moves import MoveCheck
from ispyb_schema.verify.probes import MoveProbes
from ispyb_schema.verify.snapshot import column_texts, digest_sql, row_text
from ispyb_schema.verify.statements import PlannedStatement


def _table(name: str, width: int) -> Table:
    return Table(name, (Column("id", ColumnType.parse("int(11)"), nullable=False),
                        Column("path", ColumnType.parse(f"varchar({width})"))))


def test_a_truncated_value_is_reported_with_its_row(scratch_db):
    source, target = _table("Src", 40), _table("Dst", 8)
    with scratch_db.conn.cursor() as cur:
        cur.execute("CREATE TABLE Src (id int NOT NULL PRIMARY KEY, path varchar(40))")
        cur.execute("CREATE TABLE Dst (id int NOT NULL PRIMARY KEY, path varchar(8))")
        cur.execute("INSERT INTO Src VALUES (1, 'short'), (2, '/a/rather/long/path'), (3, NULL)")
        cur.execute("SET SESSION sql_mode = ''")  # a server that truncates instead of refusing
    names = ["id", "path"]
    check = MoveCheck("step 1 (copy_rows)", "copied Src(id, path) -> Dst(id, path)",
                      digest_sql(ident("Src"), row_text(column_texts(source, names)),
                                 "`Src`.`path` IS NOT NULL"),
                      digest_sql(ident("Dst"), row_text(column_texts(target, names)),
                                 "`Dst`.`path` IS NOT NULL"), True, "row(s)")
    copy = PlannedStatement(1, 1, ("step 1 (copy_rows)",),
                            "INSERT INTO Dst SELECT id, path FROM Src WHERE path IS NOT NULL",
                            "data")
    probes = MoveProbes(scratch_db.conn, [check], [copy])
    probes.before(copy)
    with scratch_db.conn.cursor() as cur:
        cur.execute(copy.sql)
    probes.after(copy)
    [measured] = probes.measured()
    result = move_result(*measured)
    assert not result.ok
    assert result.message == ("step 1 (copy_rows): copied Src(id, path) -> Dst(id, path): "
                              "2 row(s) left, 2 arrived; first differing row: "
                              "'2','/a/rather/long/path' left, '2','/a/rathe' arrived in its "
                              "place")


def test_values_that_agree_pass_and_the_first_difference_is_in_key_order():
    assert first_difference(["'1','a'", "'2','b'"], ["'2','b'", "'1','a'"]) is None
    assert first_difference(["'1','a'", "'2','b'", "'3','c'"],
                            ["'1','a'", "'2','B'", "'3','C'"]) == \
        "'2','b' left, '2','B' arrived in its place"
    assert first_difference(["'1','a'"], []) == "'1','a' left and did not arrive"
