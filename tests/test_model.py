# SPDX-License-Identifier: LGPL-3.0-or-later
"""The schema model, its project format and its diff (no database needed)."""
from dataclasses import replace
from pathlib import Path

import pytest

from ispyb_schema.baseline import load_schema, write_schema
from ispyb_schema.errors import InputError
from ispyb_schema.model import (
    Column,
    ColumnType,
    ForeignKey,
    Index,
    IndexPart,
    Schema,
    Table,
    TypeSyntaxError,
    diff_schemas,
)
from ispyb_schema.model.serialize import table_from_dict, table_to_dict
from ispyb_schema.render.ddl import creation_order

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("text", [
    "int(11)", "int(10) unsigned", "tinyint(1)", "decimal(10,2)", "float unsigned", "double",
    "varchar(255)", "datetime", "timestamp", "longtext", "binary(16)", "enum('a','b')",
    "enum('it''s','back\\\\slash','<d\"/sig>')", "set('x','y')", "bigint(20) unsigned zerofill",
])
def test_column_type_round_trips_canonical_text(text):
    assert str(ColumnType.parse(text)) == text


def test_enum_values_are_unescaped():
    assert ColumnType.parse("enum('it''s','a\\\\b','<d\"/sig>')").values == (
        "it's", "a\\b", '<d"/sig>')


@pytest.mark.parametrize("bad", ["integer(11)", "int(x)", "enum('a'", "enum(a)", "varchar(10"])
def test_column_type_rejects_what_it_does_not_know(bad):
    with pytest.raises(TypeSyntaxError):
        ColumnType.parse(bad)


def test_nullable_column_defaults_to_null_and_not_null_has_none():
    assert Column("a", ColumnType.parse("int(11)")).default == "NULL"
    assert Column("a", ColumnType.parse("int(11)"), nullable=False).default is None


def test_indexes_and_keys_are_ordered_deterministically():
    cols = (Column("id", ColumnType.parse("int(11)"), nullable=False), Column("b", ColumnType.parse("int(11)")))
    idx_b = Index("b_idx", (IndexPart("b"),))
    pk = Index("PRIMARY", (IndexPart("id"),), "PRIMARY")
    one = Table("T", cols, (idx_b, pk))
    two = Table("T", cols, (pk, idx_b))
    assert one == two and one.indexes[0].kind == "PRIMARY"


def test_embedded_baseline_round_trips_through_the_project_format(tmp_path):
    schema = load_schema(ROOT / "schema")
    assert len(schema) > 50
    for table in schema.tables:
        assert table_from_dict(table_to_dict(table)) == table
    write_schema(schema, tmp_path / "copy")
    assert load_schema(tmp_path / "copy") == schema
    write_schema(schema, tmp_path / "one.yaml")
    assert load_schema(tmp_path / "one.yaml") == schema
    write_schema(schema, tmp_path / "one.json")
    assert load_schema(tmp_path / "one.json") == schema


def test_writing_over_existing_output_needs_force(tmp_path):
    schema = load_schema(ROOT / "schema").subset(["Person"])
    write_schema(schema, tmp_path)
    with pytest.raises(InputError, match="--force"):
        write_schema(schema, tmp_path)
    write_schema(schema, tmp_path, force=True)


def test_format_errors_name_file_line_and_column(tmp_path):
    bad = tmp_path / "T.yaml"
    bad.write_text(
        "table: T\n"
        "columns:\n"
        "  - name: a\n"
        "    type: integer(11)\n"
        "  - name: b\n"
        "    type: int(11)\n"
        "    nullabel: false\n"
        "indexes:\n"
        "  - {name: i, columns: [nope]}\n"
    )
    with pytest.raises(InputError) as err:
        load_schema(bad)
    messages = [str(d) for d in err.value.diagnostics]
    assert any(m.startswith(f"{bad}:4:11:") and "integer" in m for m in messages)
    assert any(m.startswith(f"{bad}:7:5:") and "nullabel" in m for m in messages)
    assert any(m.startswith(f"{bad}:9:25:") and "nope" in m for m in messages)
    assert len(messages) == 3


def test_yaml_syntax_error_points_at_the_line(tmp_path):
    bad = tmp_path / "T.yaml"
    bad.write_text("table: T\ncolumns: [\n  - a\n")
    with pytest.raises(InputError) as err:
        load_schema(bad)
    assert str(err.value).startswith(f"{bad}:3:")


def test_diff_reports_added_removed_and_changed():
    base = load_schema(ROOT / "schema")
    person = base.table("Person")
    changed_col = replace(person.columns[1], comment="changed")
    new_person = person.with_changes(columns=(person.columns[0], changed_col) + person.columns[3:])
    other = base.with_table(new_person).without_table("Proposal").with_table(
        Table("Brand", (Column("id", ColumnType.parse("int(11)")),)))
    result = diff_schemas(base, other)
    assert result.added_tables == ["Brand"] and result.removed_tables == ["Proposal"]
    paths = [c.path for c in result.changed_tables[0].changes]
    assert f"Person.column {person.columns[2].name}" in paths
    assert f"Person.column {person.columns[1].name}.comment" in paths
    assert not diff_schemas(base, other, ignore=frozenset({"comment"})).changed_tables[0].changes[0].path.endswith(".comment")
    assert not diff_schemas(base, base)


def test_fk_closure_and_creation_order_handle_cycles():
    int_t = ColumnType.parse("int(11)")
    a = Table("A", (Column("id", int_t, nullable=False), Column("b", int_t)),
              (Index("PRIMARY", (IndexPart("id"),), "PRIMARY"),),
              (ForeignKey("A_b", ("b",), "B", ("id",)),))
    b = Table("B", (Column("id", int_t, nullable=False), Column("a", int_t)),
              (Index("PRIMARY", (IndexPart("id"),), "PRIMARY"),),
              (ForeignKey("B_a", ("a",), "A", ("id",)),))
    c = Table("C", (Column("id", int_t),), foreign_keys=(ForeignKey("C_a", ("id",), "A", ("id",)),))
    schema = Schema((c, b, a))
    assert schema.fk_closure(["C"]) == ["A", "B", "C"]
    order, deferred = creation_order(schema)
    names = [t.name for t in order]
    assert names.index("A") < names.index("C")
    assert len(deferred) == 1
