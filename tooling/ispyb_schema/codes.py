# SPDX-License-Identifier: LGPL-3.0-or-later
"""Every diagnostic code of the tool, declared once with its meaning.

Bands: E0xx input files and their format (E00x–E01x proposals, E02x fixture data, E03x SQL
dumps, E04x diff and update scripts), E1xx unknown names, E2xx what an operation needs of a
column, key or table, E3xx collisions and references, E4xx data loss and rollback, E5xx
ordering and dependencies, E6xx unsafe SQL. Lint rules (``ISPnnn``) are declared by their ``@rule`` in ``lint/rules``, each
with its name and summary (see ``lint/registry.py``). A retired code is never reused.
``tests/test_codes.py`` checks that every code the package uses is declared, once.
"""
from __future__ import annotations

CODES: dict[str, str] = {
    "E000": "input error without a more specific code",
    # E00x–E01x: proposal files and their format
    "E001": "invalid YAML",
    "E002": "input beyond a limit (file size, nesting depth, values with aliases expanded)",
    "E003": "bytes or characters not allowed (not UTF-8, control characters)",
    "E004": "YAML feature the format does not use (tags, merge keys)",
    "E010": "invalid table or column definition",
    "E011": "unknown key",
    "E012": "missing required key",
    "E013": "wrong type of value",
    "E014": "value not allowed",
    "E015": "unknown operation",
    "E016": "invalid column type",
    "E017": "invalid SQL expression or statement",
    "E018": "invalid identifier",
    "E019": "file name does not match the proposal id",
    # E02x: fixture data files
    "E020": "fixture file: not a mapping of tables to lists of rows",
    "E021": "fixture data: unknown table",
    "E022": "fixture data: unknown column",
    "E023": "fixture data: a value the column cannot hold",
    "E024": "fixture generation: a scale plan that does not fit the schema",
    # E03x: SQL dumps read by the importer
    "E030": "dump: SQL the parser cannot read",
    "E031": "dump: a statement or clause the importer does not map",
    "E032": "dump: an invalid definition (duplicate or unknown names)",
    "E033": "dump: MariaDB refused it when loaded with --via-server",
    # E04x: diff and update scripts (propose/)
    "E040": "diff: a difference between two schemas that no operation can express",
    "E041": "diff: a --rename/--rename-table hint names what is not there",
    "E042": "propose --from-sql: an update script (or its baseline) failed on the scratch server",
    # E1xx: names that do not exist
    "E101": "unknown table",
    "E102": "unknown column",
    "E103": "unknown index or key",
    "E104": "unknown foreign key",
    "E105": "unknown view",
    "E106": "unknown proposal id",
    "E107": "unknown enum value",
    # E2xx: what an operation needs of a column, key or table
    "E201": "foreign key column types differ from the referenced columns",
    "E202": "foreign key target is not a PRIMARY or UNIQUE key",
    "E203": "column counts differ",
    "E205": "NOT NULL column without a value",
    "E206": "a default the column cannot hold",
    "E207": "key or index columns that do not fit it (listed twice, prefix, nullable in the "
            "primary key)",
    "E208": "an AUTO_INCREMENT column that would not be the first column of a key",
    "E209": "a dedicated operation does this",
    "E210": "the tables do not have the keys the operation needs",
    "E211": "source and target are the same table",
    "E212": "nothing would be left (the last column, the last enum value)",
    "E213": "the step changes nothing",
    "E214": "not an enum or set column",
    "E215": "contradictory enum changes",
    "E216": "ON DELETE/UPDATE SET NULL on a NOT NULL column",
    "E217": "batch needs a single-column integer primary key",
    "E218": "a column the operation writes itself (insert_parents: the new id)",
    # E3xx: collisions and references
    "E301": "name already in use",
    "E302": "still referenced by a foreign key or needed by one",
    "E303": "still used by a view",
    "E304": "duplicate proposal id",
    "E305": "part of a multi-column unique key",
    # E4xx: data loss and rollback
    "E401": "data loss not acknowledged",
    "E402": "no automatic inverse and no rollback given",
    "E403": "enum values in use would be orphaned",
    "E404": "rollback does not return to the baseline",
    "E410": "a data step moves values the target column cannot hold (certain loss, not "
            "acknowledged)",
    # E5xx: ordering and dependencies
    "E501": "dependency cycle",
    "E502": "reads data that an earlier step dropped",
    "E503": "a proposal it depends on does not validate",
    # E6xx: unsafe SQL
    "E601": "statement kind not allowed",
    "E602": "reference outside the ISPyB schema",
    "E603": "expression element not allowed",
    "E604": "comment inside SQL",
    "E605": "SQL that cannot be checked",
    "E606": "a raw statement changes the schema other than its declared effect says",
}

RETIRED: dict[str, str] = {
    "E204": "operation does not fit the column or table; split into E206–E216",
}
