# SPDX-License-Identifier: LGPL-3.0-or-later
"""The mariadb-dump importer: each dialect fix, the real upstream dump, hand-written and
malformed dumps. Nothing is mocked: every test parses SQL text."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from ispyb_schema.errors import InputError
from ispyb_schema.importer.dialect import (
    CompressedColumnConstraint,
    ExecutableCommentError,
    MariaDB,
    UnsignedFloat,
    VersionedComment,
)
from ispyb_schema.importer.dump import import_dump, sql_string
from ispyb_schema.importer.live import import_connection
from ispyb_schema.model import Check, ForeignKey, Generated, Index, IndexPart, Table

DATA = Path(__file__).parent / "data" / "dumps"
UPSTREAM = Path(__file__).resolve().parents[1].parent / "shared" / "ispyb-database" / "tables.sql"
needs_upstream = pytest.mark.skipif(not UPSTREAM.exists(),
                                    reason=f"upstream ISPyB dump not found at {UPSTREAM}")
LATIN1 = "ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci"


def parse(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read=MariaDB)


def roundtrip(sql: str) -> tuple[exp.Expr, str]:
    """Parse, generate and parse again: the two trees must be equal."""
    tree = parse(sql)
    text = tree.sql(dialect=MariaDB)
    assert parse(text) == tree, text
    return tree, text


def column_kinds(tree: exp.Expr) -> list[exp.Expr]:
    return [c.kind for c in tree.find_all(exp.ColumnConstraint)]


def table_sql(body: str, options: str = LATIN1, name: str = "t") -> str:
    return f"CREATE TABLE `{name}` (\n{body}\n) {options};\n"


def import_text(text: str):
    return import_dump("dump.sql", text=text)


def problems(text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(InputError) as info:
        import_text(text)
    return [(d.loc.line, d.loc.column, d.message) for d in info.value.diagnostics]


def only_table(text: str) -> Table:
    (table,) = import_text(text).tables
    return table


# -- dialect fixes, each round-tripped -----------------------------------------------------
def test_float_unsigned_is_kept():
    sql = "CREATE TABLE t (a float unsigned, b float(7,4) unsigned)"
    with pytest.raises(ParseError, match="Cannot convert FLOAT to unsigned"):
        sqlglot.parse_one(sql, read="mysql")
    tree, text = roundtrip(sql)
    kinds = [c.kind for c in tree.find_all(exp.ColumnDef)]
    assert all(isinstance(k, UnsignedFloat) for k in kinds)
    assert "a FLOAT UNSIGNED" in text and "b FLOAT(7, 4) UNSIGNED" in text


def test_compressed_attribute_is_kept():
    sql = "CREATE TABLE t (c mediumtext /*M!100301 COMPRESSED*/ CHARACTER SET utf8mb3)"
    mysql = sqlglot.parse_one(sql, read="mysql")  # the trap: a mere comment there
    assert "COMPRESSED" not in mysql.sql(dialect="mysql")
    tree, text = roundtrip(sql)
    assert isinstance(column_kinds(tree)[0], CompressedColumnConstraint)
    assert "MEDIUMTEXT COMPRESSED CHARACTER SET utf8mb3" in text


def test_executable_comments_run_their_content():
    tokenizer = MariaDB().tokenizer()
    tokens = tokenizer.tokenize("/*M!999999\\- enable the sandbox mode */ \n"
                                "/*!40101 SET NAMES utf8 */;")
    assert [t.text for t in tokens] == ["SET", "NAMES", "utf8", ";"]
    assert tokenizer.versioned_comments == [
        VersionedComment(0, 39, 999999, True, "\\- enable the sandbox mode"),
        VersionedComment(41, 67, 40101, False, "SET NAMES utf8"),
    ]
    tree, text = roundtrip("/*!40101 SET NAMES utf8 */")
    assert isinstance(tree, exp.Set) and text == "SET NAMES utf8"


@pytest.mark.parametrize("sql, offset", [
    ("/*!40101 SET /*!40101 NAMES */ utf8 */", 13),
    ("SET NAMES utf8 */", 15),
    ("SELECT 1; /*!40101 SET NAMES utf8;", 10),
])
def test_malformed_executable_comments_are_refused(sql, offset):
    with pytest.raises(ExecutableCommentError) as info:
        MariaDB().tokenizer().tokenize(sql)
    assert info.value.start == offset


@pytest.mark.parametrize("word, mariadb, mysql", [
    ("real", exp.DType.DOUBLE, exp.DType.FLOAT),
    ("int8", exp.DType.BIGINT, exp.DType.TINYINT),
    ("long", exp.DType.MEDIUMTEXT, exp.DType.BIGINT),
    ("int3", exp.DType.MEDIUMINT, None),
    ("middleint", exp.DType.MEDIUMINT, None),
])
def test_type_synonyms_mean_what_mariadb_means(word, mariadb, mysql):
    sql = f"CREATE TABLE t (a {word})"
    tree, _ = roundtrip(sql)
    assert tree.find(exp.DataType).this == mariadb
    if mysql:  # the trap: sqlglot's MySQL reads another type without a word
        assert sqlglot.parse_one(sql, read="mysql").find(exp.DataType).this == mysql


@pytest.mark.parametrize("storage, stored", [
    ("VIRTUAL", False), ("STORED", True), ("PERSISTENT", True), ("", False)])
def test_generated_columns_keep_storage_and_text(storage, stored):
    sql = f"CREATE TABLE t (a double, b double GENERATED ALWAYS AS (`a`  *  2) {storage})"
    if storage == "PERSISTENT":
        with pytest.raises(ParseError):
            sqlglot.parse_one(sql, read="mysql")
    tree, _ = roundtrip(sql)
    computed = tree.find(exp.ComputedColumnConstraint)
    assert computed.args["persisted"] is stored
    assert computed.this.meta["sql"] == "`a`  *  2"


def test_check_and_default_keep_their_source_text():
    tree, _ = roundtrip("CREATE TABLE t (x longtext DEFAULT (1  +  2) "
                        "CHECK (json_valid(`x`)), CONSTRAINT c CHECK (`x` <> ''))")
    default, check = column_kinds(tree)
    assert default.this.meta["sql"] == "(1  +  2)"
    assert check.this.meta["sql"] == "json_valid(`x`)"
    assert tree.find(exp.Constraint).expressions[0].this.meta["sql"] == "`x` <> ''"


def test_primary_key_keeps_descending_parts():
    sql = "CREATE TABLE t (a int, b text, PRIMARY KEY (a DESC, b(10)))"
    with pytest.raises(ParseError):
        sqlglot.parse_one(sql, read="mysql")
    tree, text = roundtrip(sql)
    first, second = tree.find(exp.PrimaryKey).expressions
    assert isinstance(first, exp.Ordered) and first.args["desc"] is True
    assert isinstance(second, exp.ColumnPrefix)
    assert "PRIMARY KEY (a DESC, b(10))" in text


def test_view_query_keeps_its_source_text():
    tree, _ = roundtrip("CREATE ALGORITHM=MERGE VIEW v AS select `t`.`a` AS `a` from `t`")
    assert tree.expression.meta["sql"] == "select `t`.`a` AS `a` from `t`"


def test_unparseable_syntax_is_refused_not_kept_as_command():
    sql = "CREATE VIEW v AS select 1 AS a WITH CASCADED CHECK OPTION"
    assert isinstance(sqlglot.parse_one(sql, read="mysql"), exp.Command)  # the trap
    with pytest.raises(ParseError, match="Unsupported syntax") as info:
        parse(sql)
    assert info.value.errors[0]["highlight"] == "WITH"


# -- the real upstream dump ----------------------------------------------------------------
@pytest.fixture(scope="module")
def upstream_text() -> str:
    return UPSTREAM.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def upstream_schema(upstream_text):
    return import_dump(UPSTREAM, text=upstream_text)


def _source_tables(text: str) -> dict[str, tuple[list[str], set[str], str]]:
    """Each CREATE TABLE of the dump as (column lines, other lines, closing line)."""
    blocks = re.findall(r"^CREATE TABLE `([^`]+)` \(\n(.*?)\n(\) ENGINE=.*?;)$", text, re.S | re.M)
    out = {}
    for name, body, closing in blocks:
        lines = [line.rstrip(",") for line in body.split("\n")]
        out[name] = ([x for x in lines if x.startswith("  `")],
                     {x for x in lines if not x.startswith("  `")}, closing)
    return out


def _show_create(table: Table) -> tuple[list[str], set[str], str]:
    """The table as SHOW CREATE TABLE prints it, rebuilt from the model alone."""
    def column(c):
        text = f"  `{c.name}` {c.type}" + (" /*M!100301 COMPRESSED*/" if c.compressed else "")
        if c.charset and c.charset != table.charset:
            text += f" CHARACTER SET {c.charset} COLLATE {c.collation}"
        elif c.collation:
            text += f" COLLATE {c.collation}"
        if c.generated:
            kind = "STORED" if c.generated.stored else "VIRTUAL"
            text += f" GENERATED ALWAYS AS ({c.generated.expression}) {kind}"
        text += " NOT NULL" if not c.nullable else " NULL" if c.type.base == "timestamp" else ""
        text += f" DEFAULT {c.default}" if c.default and not c.generated else ""
        text += f" ON UPDATE {c.on_update}" if c.on_update else ""
        text += " AUTO_INCREMENT" if c.auto_increment else ""
        text += f" COMMENT {sql_string(c.comment)}" if c.comment else ""
        return text + (f" CHECK ({c.check})" if c.check else "")

    def key(i):
        parts = ",".join(f"`{p.column}`" + (f"({p.length})" if p.length else "")
                         + (" DESC" if p.descending else "") for p in i.parts)
        head = "PRIMARY KEY" if i.kind == "PRIMARY" else (
            f"{'KEY' if i.kind == 'INDEX' else i.kind + ' KEY'} `{i.name}`")
        return f"  {head} ({parts})" + (f" COMMENT {sql_string(i.comment)}" if i.comment else "")

    def foreign_key(f):
        cols, refs = (",".join(f"`{c}`" for c in cs) for cs in (f.columns, f.ref_columns))
        text = (f"  CONSTRAINT `{f.name}` FOREIGN KEY ({cols}) REFERENCES `{f.ref_table}` "
                f"({refs})")
        text += f" ON DELETE {f.on_delete}" if f.on_delete != "RESTRICT" else ""
        return text + (f" ON UPDATE {f.on_update}" if f.on_update != "RESTRICT" else "")

    others = ({key(i) for i in table.indexes} | {foreign_key(f) for f in table.foreign_keys}
              | {f"  CONSTRAINT `{c.name}` CHECK ({c.expression})" for c in table.checks})
    closing = (f") ENGINE={table.engine} DEFAULT CHARSET={table.charset} "
               f"COLLATE={table.collation}"
               + (f" COMMENT={sql_string(table.comment)}" if table.comment else "") + ";")
    return [column(c) for c in table.columns], others, closing


@pytest.mark.upstream
@needs_upstream
def test_upstream_dump_loses_nothing(upstream_text, upstream_schema):
    """Every line of every CREATE TABLE comes back from the model, character for character."""
    source = _source_tables(upstream_text)
    assert len(source) == upstream_text.count("\nCREATE TABLE ") == 203
    assert sorted(upstream_schema.table_names()) == sorted(source)
    for name, expected in source.items():
        assert _show_create(upstream_schema.table(name)) == expected, name


@pytest.mark.upstream
@needs_upstream
class TestUpstreamSpotChecks:
    def test_datacollection_has_every_column(self, upstream_text, upstream_schema):
        block = upstream_text.split("CREATE TABLE `DataCollection` (\n", 1)[1].split("\n) ")[0]
        expected = [line.split("`")[1] for line in block.split("\n") if line.startswith("  `")]
        assert len(expected) == 103
        assert upstream_schema.table("DataCollection").column_names() == expected

    def test_float_unsigned_columns(self, upstream_schema):
        found = sorted((t.name, c.name) for t in upstream_schema for c in t.columns
                       if str(c.type) == "float unsigned")
        assert found == [("DataCollection", "magnification"),
                         ("DataCollection", "nominalDefocus"),
                         ("DataCollection", "nominalMagnification"),
                         ("Movie", "nominalDefocus")]

    def test_compressed_column(self, upstream_schema):
        found = [(t.name, c) for t in upstream_schema for c in t.columns if c.compressed]
        assert [(name, c.name, str(c.type), c.charset, c.collation) for name, c in found] == [
            ("PDB", "contents", "mediumtext", "utf8mb3", "utf8mb3_general_ci")]

    def test_generated_columns(self, upstream_schema):
        position = upstream_schema.table("Position")
        assert [(c.name, c.generated) for c in position.columns if c.generated] == [
            ("X", Generated("`posX`")), ("Y", Generated("`posY`")), ("Z", Generated("`posZ`"))]
        assert position.column("X").default is None

    def test_json_checks(self, upstream_schema):
        checks = sorted((t.name, c.name, c.check) for t in upstream_schema for c in t.columns
                        if c.check)
        assert checks == [
            ("DataCollectionGroup", "scanParameters", "json_valid(`scanParameters`)"),
            ("Dewar", "extra", "json_valid(`extra`)"),
            ("DiffractionPlan", "scanParameters", "json_valid(`scanParameters`)"),
            ("DiffractionPlan", "strategyOption", "json_valid(`strategyOption`)"),
            ("Shipping", "extra", "json_valid(`extra`)"),
        ]
        extra = upstream_schema.table("Dewar").column("extra")
        assert (str(extra.type), extra.charset, extra.collation) == (
            "longtext", "utf8mb4", "utf8mb4_bin")

    def test_enum_with_quote_in_a_value(self, upstream_schema):
        metric = upstream_schema.table("PhasingStatistics").column("metric")
        assert '<d"/sig>' in metric.type.values
        assert "'FOM','<d\"/sig>','Best CC'" in str(metric.type)

    def test_types_keep_display_widths(self, upstream_schema):
        atlas = upstream_schema.table("Atlas")
        assert str(atlas.column("hasRed").type) == "tinyint(1)"
        assert str(atlas.column("atlasId").type) == "int(11) unsigned"
        assert str(upstream_schema.table("Aperture").column("sizeX").type) == "float"

    def test_defaults(self, upstream_schema):
        action = upstream_schema.table("BeamlineAction")
        start, end = action.column("startTimestamp"), action.column("endTimestamp")
        assert (start.default, start.on_update) == ("current_timestamp()", "current_timestamp()")
        assert (end.nullable, end.default) == (False, "'0000-00-00 00:00:00'")
        assert upstream_schema.table("Dewar").column("source").default == "current_user()"
        assert upstream_schema.table("AdminActivity").column("username").default == "''"
        assert upstream_schema.table("AdminActivity").column("action").default == "NULL"

    def test_comments_are_unescaped(self, upstream_schema):
        assert upstream_schema.table("DewarLocation").column("courierName").comment == (
            "Carrier name who's shipping back the dewar")
        assert upstream_schema.table("AdminVar").comment == "ISPyB administration values"

    def test_keys_and_foreign_keys(self, upstream_schema):
        admin_var = upstream_schema.table("AdminVar")
        assert admin_var.index("AdminVar_FKIndexValue").parts == (IndexPart("value", 767),)
        buffer = upstream_schema.table("zc_ZocaloBuffer")
        assert buffer.primary_key == Index("PRIMARY", (IndexPart("AutoProcProgramID"),
                                                       IndexPart("UUID")), "PRIMARY")
        assert buffer.foreign_keys == (ForeignKey(
            "AutoProcProgram_fk_AutoProcProgramId", ("AutoProcProgramID",), "AutoProcProgram",
            ("autoProcProgramId",), "CASCADE", "CASCADE"),)

    def test_table_options(self, upstream_schema):
        assert {(t.engine, t.charset, t.collation) for t in upstream_schema} == {
            ("InnoDB", "latin1", "latin1_swedish_ci"),
            ("InnoDB", "utf8mb4", "utf8mb4_general_ci"),
            ("InnoDB", "utf8mb4", "utf8mb4_unicode_ci")}


# -- a hand-written dump with one of everything ---------------------------------------------
@pytest.fixture(scope="module")
def features():
    return import_dump(DATA / "features.sql")


def test_features_tables(features):
    sample = features.table("Sample")
    assert (sample.engine, sample.charset, sample.collation, sample.row_format,
            sample.comment) == ("InnoDB", "utf8mb4", "utf8mb4_unicode_ci", "DYNAMIC",
                                "A sample's record")
    parent = features.table("Parent")
    assert (parent.charset, parent.collation) == ("utf8mb3", "utf8mb3_general_ci")


def test_features_columns(features):
    cols = {c.name: c for c in features.table("Sample").columns}
    assert {n: str(c.type) for n, c in cols.items() if c.type.base in ("enum", "float")} == {
        "kind": "enum('it''s','<d\"/sig>','back\\\\slash')", "dose": "float unsigned"}
    assert cols["kind"].type.values == ("it's", '<d"/sig>', "back\\slash")
    assert {n: c.default for n, c in cols.items()} == {
        "sampleId": None, "parentId": "NULL", "name": "''", "label": "'a\\\\b'", "flag": "0",
        "bits": "b'0'", "dose": "NULL", "price": "1.50", "temperature": "-1.5",
        "kind": "'it''s'", "tags": "'a,b'", "created": "current_timestamp()",
        "measured": "current_timestamp(6)", "never": "'0000-00-00 00:00:00'",
        "owner": "current_user()", "extra": "NULL", "notes": "NULL", "twice": None,
        "stored": None}
    assert (cols["name"].charset, cols["name"].collation) == ("latin1", "latin1_swedish_ci")
    assert (cols["label"].charset, cols["label"].collation) == ("utf8mb4", "utf8mb4_bin")
    assert cols["parentId"].comment == "the parent's id"
    assert cols["notes"].compressed and cols["extra"].check == "json_valid(`extra`)"
    assert cols["stored"].generated == Generated("`temperature` + 1", stored=True)


def test_features_keys_and_constraints(features):
    sample = features.table("Sample")
    assert sample.primary_key.parts == (IndexPart("sampleId", descending=True),)
    assert sample.index("Sample_name") == Index(
        "Sample_name", (IndexPart("name", 10), IndexPart("kind")), "UNIQUE")
    assert sample.index("Sample_created").comment == "newest first"
    assert sample.index("Sample_label").kind == "FULLTEXT"
    assert sample.foreign_keys == (ForeignKey("Sample_fk_parent", ("parentId",), "Parent",
                                              ("parentId",), "SET NULL", "CASCADE"),)
    assert sample.checks == (Check("Sample_dose", "`dose` < 100"),)


def test_features_view_replaces_its_stand_in(features):
    (view,) = features.views
    assert (view.name, view.algorithm, view.security) == ("v_sample", "MERGE", "INVOKER")
    assert view.definition == ("select `Sample`.`sampleId` AS `sampleId`,`Sample`.`name` AS "
                               "`name` from `Sample` where `Sample`.`flag` = 1")


# -- canonical forms of hand-written SQL ----------------------------------------------------
# Each case is what MariaDB itself makes of the SQL: test_the_server_agrees checks them all.
TYPES = [
    ("int", "int(11)"), ("int unsigned", "int(10) unsigned"),
    ("int zerofill", "int(10) unsigned zerofill"), ("bigint", "bigint(20)"),
    ("tinyint unsigned", "tinyint(3) unsigned"), ("bool", "tinyint(1)"),
    ("decimal", "decimal(10,0)"), ("decimal(5)", "decimal(5,0)"), ("numeric(5,2)", "decimal(5,2)"),
    ("real", "double"), ("float(30)", "double"), ("float(10)", "float"),
    ("double(10,2) unsigned", "double(10,2) unsigned"), ("datetime(0)", "datetime"),
    ("timestamp(3) NULL", "timestamp(3)"), ("char", "char(1)"), ("integer", "int(11)"),
    ("year", "year(4)"), ("mediumint(8) unsigned", "mediumint(8) unsigned"),
]
DEFAULTS = [
    ("varchar(9) DEFAULT \"x\"", "'x'"), ("varchar(9) DEFAULT 'it\\'s'", "'it''s'"),
    ("varchar(9) DEFAULT 'a\\nb'", "'a\\nb'"), ("int DEFAULT '5'", "5"),
    ("varchar(9) DEFAULT 5", "'5'"), ("datetime DEFAULT now()", "current_timestamp()"),
    ("timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP", "current_timestamp()"),
    ("tinyint(1) DEFAULT TRUE", "1"), ("int NULL", "NULL"), ("int NOT NULL", None),
    ("decimal(5,2) DEFAULT 1", "1.00"), ("decimal(5,2) DEFAULT '-1.5'", "-1.50"),
    ("float DEFAULT 1.50", "1.5"), ("double DEFAULT 100", "100"), ("int DEFAULT 1.0", "1"),
]
REFERENCED_SQL = table_sql("  `x` int NOT NULL,\n  `y` int,\n  PRIMARY KEY (`x`),\n"
                           "  UNIQUE KEY (`y`)", name="o")
CHARSETS_SQL = table_sql("  `same` varchar(3) CHARACTER SET latin1,\n"
                         "  `bin` varchar(3) COLLATE latin1_bin,\n"
                         "  `utf` varchar(3) CHARACTER SET utf8", name="c")
UNNAMED_SQL = table_sql("  `a` int NOT NULL,\n  `b` int,\n  UNIQUE KEY (`a`),\n  KEY (`a`, `b`),\n"
                        "  FOREIGN KEY (`b`) REFERENCES `o` (`x`),\n  CHECK (`a` > 0),\n"
                        "  CONSTRAINT `c` CHECK (`b` > 0),\n  CHECK (`b` < 9)")
FK_INDEX_SQL = table_sql("  `a` int,\n  `b` int,\n  KEY `ab` (`a`, `b`),\n"
                         "  CONSTRAINT `fa` FOREIGN KEY (`a`) REFERENCES `o` (`x`),\n"
                         "  CONSTRAINT `fb` FOREIGN KEY (`b`) REFERENCES `o` (`y`) ON DELETE CASCADE,\n"
                         "  FOREIGN KEY `fc` (`b`) REFERENCES `o` (`y`)", name="w")


def canonical_cases_sql() -> str:
    types = ",\n".join(f"  `t{i}` {written}" for i, (written, _) in enumerate(TYPES))
    defaults = ",\n".join(f"  `d{i}` {written}" for i, (written, _) in enumerate(DEFAULTS))
    return (REFERENCED_SQL + table_sql(types, name="types") + table_sql(defaults, name="defaults")
            + CHARSETS_SQL + UNNAMED_SQL + FK_INDEX_SQL)


@pytest.mark.parametrize("written, canonical", TYPES)
def test_types_are_canonical(written, canonical):
    assert str(only_table(table_sql(f"  `a` {written}")).column("a").type) == canonical


@pytest.mark.parametrize("written, canonical", DEFAULTS + [("int DEFAULT (1  +  2)", "(1  +  2)")])
def test_defaults_are_canonical(written, canonical):
    assert only_table(table_sql(f"  `a` {written}")).column("a").default == canonical


def test_column_charset_is_kept_only_where_the_collation_differs():
    assert [(c.charset, c.collation) for c in only_table(CHARSETS_SQL).columns] == [
        (None, None), ("latin1", "latin1_bin"), ("utf8mb3", "utf8mb3_general_ci")]


def test_unnamed_keys_and_constraints_get_mariadb_names():
    table = only_table(UNNAMED_SQL)
    assert [(i.name, i.kind) for i in table.indexes] == [("a", "UNIQUE"), ("a_2", "INDEX"),
                                                         ("b", "INDEX")]
    assert [(f.name, f.on_delete, f.on_update) for f in table.foreign_keys] == [
        ("t_ibfk_1", "RESTRICT", "RESTRICT")]
    assert [(c.name, c.expression) for c in table.checks] == [
        ("CONSTRAINT_1", "`a` > 0"), ("CONSTRAINT_2", "`b` < 9"), ("c", "`b` > 0")]


def test_foreign_keys_get_the_index_they_need_and_no_more():
    table = only_table(FK_INDEX_SQL)
    assert [(i.name, i.parts) for i in table.indexes] == [
        ("ab", (IndexPart("a"), IndexPart("b"))), ("fc", (IndexPart("b"),))]
    assert [f.name for f in table.foreign_keys] == ["fa", "fb", "fc"]


@pytest.mark.db
@pytest.mark.parametrize("text", [(DATA / "features.sql").read_text(), canonical_cases_sql()],
                         ids=["features", "canonical-cases"])
def test_the_server_agrees(mariadb_server, scratch_db, text):
    """The server, given the same SQL, reports (information_schema, via the live importer) the
    model the dump importer builds. View definitions are left out: information_schema
    qualifies every name with the database, SHOW CREATE VIEW (and so a dump) does not."""
    dump = import_text(text)
    mariadb_server.load_sql(scratch_db.name, text=text)
    live = import_connection(scratch_db.conn, scratch_db.name)
    assert live.tables == dump.tables
    assert [replace(v, definition="") for v in live.views] == [
        replace(v, definition="") for v in dump.views]


def test_drop_table_applies_and_session_statements_are_skipped():
    text = ("LOCK TABLES `t` WRITE;\nUNLOCK TABLES;\nSET @x = 1;\n"
            + table_sql("  `a` int") + "DROP TABLE IF EXISTS `t`;\n"
            + table_sql("  `b` int", name="u"))
    assert import_text(text).table_names() == ["u"]


def test_empty_dump_is_an_empty_schema():
    assert len(import_text("-- nothing\n/*!40101 SET NAMES utf8 */;\n;\n")) == 0


# -- malformed dumps: every problem, at its line ---------------------------------------------
def test_unterminated_create_table():
    text = ("DROP TABLE IF EXISTS `a`;\n"
            "CREATE TABLE `a` (\n"
            "  `x` int(11) NOT NULL,\n"
            "  PRIMARY KEY (`x`)\n"
            "DROP TABLE IF EXISTS `b`;\n")
    [(line, column, message)] = problems(text)
    assert (line, column) == (5, 1)
    assert message.startswith("CREATE TABLE `a` (statement at line 2): Expecting )")


def test_unterminated_create_table_at_end_of_file():
    [(line, _, message)] = problems("SET NAMES utf8;\nCREATE TABLE `a` (\n  `x` int,\n")
    assert line == 3 and "CREATE TABLE `a` (statement at line 2)" in message


def test_unknown_column_attribute():
    [(line, column, message)] = problems(table_sql("  `x` int NOT NULL,\n"
                                                   "  `y` varchar(3) STORAGE DISK"))
    assert (line, column) == (3, 18) and "found 'STORAGE'" in message


def test_column_attribute_sqlglot_knows_but_the_model_does_not():
    [(line, _, message)] = problems(table_sql("  `x` int NOT NULL,\n  `y` int INVISIBLE"))
    assert line == 3 and "unsupported column attribute 'INVISIBLE'" in message


def test_unknown_table_option():
    [(line, _, message)] = problems(table_sql("  `x` int",
                                              "ENGINE=InnoDB DEFAULT CHARSET=latin1\n"
                                              "  PAGE_COMPRESSED=1"))
    assert line == 4 and "unknown table option 'PAGE_COMPRESSED=1'" in message


def test_stray_executable_comment_in_a_column_definition():
    [(line, column, message)] = problems(table_sql(
        "  `x` int NOT NULL,\n  `y` int(11) /*!80023 INVISIBLE */ DEFAULT NULL"))
    assert (line, column) == (3, 15)
    assert "executable comment '/*!80023 INVISIBLE */'" in message


def test_plain_comment_in_a_column_definition_is_fine():
    table = only_table(table_sql("  `y` int(11) /* INVISIBLE */ DEFAULT NULL"))
    assert table.column("y").default == "NULL"


def test_garbage_statement():
    [(line, column, message)] = problems("SET NAMES utf8;\n\nthis is garbage;\n")
    assert (line, column) == (3, 1) and "unsupported statement 'this is garbage'" in message


def test_data_statements_are_refused():
    [(line, _, message)] = problems(table_sql("  `x` int") + "INSERT INTO `t` VALUES (1);\n")
    assert line == 4 and "data statements are not part of a schema" in message


def test_every_problem_of_a_file_is_reported():
    text = ("DROP DATABASE `x`;\n"
            + table_sql("  `x` int,\n  `y` int INVISIBLE,\n  `z` int,\n  KEY `k` (`nope`)")
            + table_sql("  `x` int", "ENGINE=InnoDB", name="u")
            + "REPLACE INTO `t` VALUES (1);\n")
    assert [(line, message.split(":")[0]) for line, _, message in problems(text)] == [
        (1, "unsupported statement 'DROP DATABASE `x`'; expected CREATE TABLE, CREATE VIEW, "
            "ALTER TABLE (keys, foreign keys, MODIFY), DROP TABLE/VIEW, SET or LOCK/UNLOCK "
            "TABLES; to import a dump MariaDB itself accepts, add --via-server (it is loaded "
            "into a scratch MariaDB and imported from there)"),
        (4, "CREATE TABLE `t`"), (6, "CREATE TABLE `t`"), (8, "CREATE TABLE `u`"),
        (11, "REPLACE INTO `t` VALUES (1)")]


@pytest.mark.parametrize("text, line, fragment", [
    ("SET NAMES utf8;\nCREATE TABLE `a` (\n  `x` int COMMENT 'oops\n);\n", 3, "unterminated"),
    ("SET NAMES utf8;\n/* oops\nCREATE TABLE `a` (`x` int);\n", 2, "unterminated"),
    ("SET NAMES utf8;\n/*!40101 SET NAMES utf8 ;\n", 2, "never closed"),
    (table_sql("  `x` int", "ENGINE=InnoDB"), 1, "no DEFAULT CHARSET"),
    (table_sql("  `x` int", "DEFAULT CHARSET=klingon"), 1, "unknown character set"),
    (table_sql("  `x` int", "CHARSET=latin1 COLLATE=utf8mb4_bin"), 1, "does not belong"),
    (table_sql("  `x` int,\n  CONSTRAINT `f` FOREIGN KEY (`x`) REFERENCES `o` (`y`) "
               "MATCH FULL"), 3, "unsupported foreign key option 'MATCH FULL'"),
    (table_sql("  `x` int,\n  KEY `k` (`x`) USING HASH"), 3, "index type HASH"),
    (table_sql("  `x` int,\n  `X` int"), 3, "duplicate column `X`"),
    (table_sql("  `x` int,\n  KEY `k` (`x`),\n  KEY `k` (`x`)"), 4, "duplicate key name"),
    (table_sql("  `x` int COMMENT 'a' COMMENT 'b'"), 2, "sets comment twice"),
    (table_sql("  `x` int NOT NULL NULL"), 2, "sets nullable twice"),
    (table_sql("  `x` date ON UPDATE curdate()"), 2, "ON UPDATE current_timestamp()"),
    (table_sql("  `x` text(100)"), 2, "unexpected arguments for text"),
    (table_sql("  `x` int") + table_sql("  `y` int"), 4, "`t` already exists"),
    ("CREATE VIEW `v` AS select 1 AS `a` WITH CASCADED CHECK;\n", 1,
     "Unsupported syntax, found 'WITH'"),
    ("CREATE VIEW `v` AS select 1 AS `a`;\n" + table_sql("  `x` int", name="v"), 2,
     "`v` already exists"),
    (table_sql("  `a` int,\n  `b` int AS (`a` + 1) STORED"), 3,
     "expected GENERATED ALWAYS AS (...)"),
    ("/*!40101 SET SQL_MODE='ANSI_QUOTES,NO_AUTO_VALUE_ON_ZERO' */;\n", 1,
     "sql_mode ANSI_QUOTES"),
    ("DELIMITER ;;\n", 1, "unsupported statement 'DELIMITER'"),
])
def test_malformed_dumps(text, line, fragment):
    found = problems(text)
    assert any(fragment in message for _, _, message in found), found
    assert found[0][0] == line


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read the dump"):
        import_dump(tmp_path / "missing.sql")


def test_non_utf8_file_reports_its_line(tmp_path):
    path = tmp_path / "latin1.sql"
    path.write_bytes(b"SET NAMES utf8;\nCREATE TABLE `t` (`a` int COMMENT 'caf\xe9');\n")
    with pytest.raises(InputError) as info:
        import_dump(path)
    assert info.value.diagnostics[0].loc.line == 2
