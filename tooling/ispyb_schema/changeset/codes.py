# SPDX-License-Identifier: LGPL-3.0-or-later
"""Every diagnostic code of the changeset stages, declared once.

Bands: E0xx syntax and format, E1xx unknown names, E2xx type and key mismatches, E3xx
collisions and references, E4xx data loss and rollback, E5xx ordering and dependencies,
E6xx unsafe SQL. A retired code is never reused.
"""
from __future__ import annotations

CODES: dict[str, str] = {
    # E0xx: the file and its format
    "E001": "invalid YAML",
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
    # E1xx: names that do not exist
    "E101": "unknown table",
    "E102": "unknown column",
    "E103": "unknown index or key",
    "E104": "unknown foreign key",
    "E105": "unknown view",
    "E106": "unknown proposal id",
    "E107": "unknown enum value",
    # E2xx: types and keys that do not fit
    "E201": "foreign key column types differ from the referenced columns",
    "E202": "foreign key target is not a PRIMARY or UNIQUE key",
    "E203": "column counts differ",
    "E204": "operation does not fit the column or table",
    "E205": "NOT NULL column without a value",
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
    # E5xx: ordering and dependencies
    "E501": "dependency cycle",
    "E502": "reads data that an earlier step dropped",
    # E6xx: unsafe SQL
    "E601": "statement kind not allowed",
    "E602": "reference outside the ISPyB schema",
    "E603": "expression element not allowed",
    "E604": "comment inside SQL",
    "E605": "SQL that cannot be checked",
}
