# SPDX-License-Identifier: LGPL-3.0-or-later
"""A dependency at fault is named: its raw step's declared effect is wrong (the server's
schema differs from its model), so the dependent's run fails at "dependencies" naming the
dependency — not at its own "baseline" stage as if the dependent were wrong (issue 14)."""
from __future__ import annotations

import shutil
from pathlib import Path

from ispyb_schema.verify import verify_proposals

ROOT = Path(__file__).resolve().parents[1]
DEPENDENT = """# SPDX-License-Identifier: LGPL-3.0-or-later
id: vendor-code-comment
title: Documents the detectors' vendor code
status: draft
authors: [{name: Test Author, affiliation: Test}]
created: 2026-01-01
depends_on: [schema-differs]
steps:
  - set_column_comment: {table: Detector, column: detectorVendorCode, comment: The vendor's code}
"""


def test_the_dependency_at_fault_is_named(tmp_path, mariadb_server):
    shutil.copy(ROOT / "tests" / "data" / "verify" / "schema-differs.yaml", tmp_path)
    (tmp_path / "vendor-code-comment.yaml").write_text(DEPENDENT)
    report = verify_proposals([tmp_path / "vendor-code-comment.yaml"], str(ROOT / "schema"),
                              [ROOT / "schema" / "fixtures"], mariadb_server, together=False)
    run = next(r for r in report.runs if r.proposal_id == "vendor-code-comment")
    failed = [s for s in run.steps if not s.ok]
    assert [s.name for s in failed] == ["dependencies"], [(s.name, s.error) for s in failed]
    assert failed[0].error.startswith("schema-differs (a dependency): the server's schema "
                                      "after its forward script differs from its model")
    assert "detectorVendorCode.type: varchar(16) -> varchar(32)" in failed[0].error
    assert "baseline" not in [s.name for s in run.steps]  # stopped before blaming itself
