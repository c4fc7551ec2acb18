# SPDX-License-Identifier: LGPL-3.0-or-later
"""Routines and grants as part of every baseline: the embedded baseline's (upstream's, read
from ../shared as configured), upstream's ``routines.sql`` and ``grants/`` beside its dump;
what each role loses; impact's precision on upstream's routines for a column name several
tables share; lint, impact and check outside the project."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.validate import validate
from ispyb_schema.cli.main import cli
from ispyb_schema.config import baseline_routines
from ispyb_schema.lint.context import LintContext
from ispyb_schema.lint.impact import ImpactIndex
from ispyb_schema.lint.sources import read_grants, read_routines

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = ROOT.parent / "shared" / "ispyb-database"
HEAD = """# SPDX-License-Identifier: LGPL-3.0-or-later
id: {id}
title: A test proposal
status: draft
authors: [{{name: Test, affiliation: ispyb-schema}}]
created: 2026-01-01
steps:
"""


def need_upstream():
    if not (UPSTREAM / "routines.sql").is_file():
        pytest.skip("the upstream routines are not in ../shared/ispyb-database")


def proposal(tmp_path: Path, pid: str, steps: str) -> Path:
    path = tmp_path / f"{pid}.yaml"
    path.write_text(HEAD.format(id=pid) + steps)
    return path


def context(path: Path, baseline) -> LintContext:
    result = validate([path], baseline)
    assert not result.diagnostics, result.sorted_diagnostics()
    pid = path.stem
    return LintContext.build(result.walks[pid])


@pytest.fixture(scope="module")
def upstream_model():
    need_upstream()
    return load_schema(UPSTREAM / "tables.sql")


@pytest.fixture(scope="module")
def upstream_index():
    need_upstream()
    return ImpactIndex(read_routines(UPSTREAM / "routines.sql"), read_grants(UPSTREAM / "grants"))


# -- where a baseline's routines and grants come from -------------------------------------

def test_the_project_baseline_has_its_own(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert baseline_routines(None) == (ROOT / "../shared/ispyb-database/routines.sql",
                                       ROOT / "../shared/ispyb-database/grants")
    assert baseline_routines(str(ROOT / "schema")) == baseline_routines(None)
    assert baseline_routines(None, routines="r.sql") == (
        Path("r.sql"), ROOT / "../shared/ispyb-database/grants")


def test_a_dump_uses_what_is_beside_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # outside every project
    (tmp_path / "tables.sql").write_text("-- SPDX-License-Identifier: LGPL-3.0-or-later\n")
    assert baseline_routines(str(tmp_path / "tables.sql")) == (None, None)
    (tmp_path / "routines.sql").write_text("")
    (tmp_path / "grants").mkdir()
    assert baseline_routines(str(tmp_path / "tables.sql")) == (tmp_path / "routines.sql",
                                                               tmp_path / "grants")


# -- what each role loses -----------------------------------------------------------------

def test_a_table_that_becomes_a_view_loses_its_writers(tmp_path, upstream_model,
                                                       upstream_index):
    """EnergyScan dropped and recreated as a view: the roles that write it lose INSERT and
    UPDATE (SELECT stays: the grant names the view now); the role granted that role loses
    them too; EXECUTE of the procedures that wrote it is lost."""
    path = proposal(tmp_path, "es-view", """  - drop_foreign_key: {table: BLSample_has_EnergyScan, name: BLSample_has_EnergyScan_ibfk_2}
  - drop_foreign_key: {table: Project_has_EnergyScan, name: project_has_energyscan_FK2}
  - drop_table: {table: EnergyScan, data_loss: {acknowledged: true, reason: a test of impact}}
  - create_view: {name: EnergyScan, definition: "SELECT dataCollectionId AS energyScanId, sessionId FROM DataCollectionGroup JOIN DataCollection USING (dataCollectionGroupId)"}
""")
    ctx = context(path, upstream_model)
    losses = {(x.role, x.privileges, x.on, x.via) for x in upstream_index.losses(ctx)}
    assert ("ispyb_expeye_acquisition_role", ("INSERT", "UPDATE"), "table EnergyScan",
            None) in losses
    assert ("ispyb_expeye_core_role", ("INSERT", "UPDATE"), "table EnergyScan",
            "ispyb_expeye_acquisition_role") in losses
    assert ("ispyb_web", ("UPDATE",), "table EnergyScan", None) in losses
    assert not any(r == "ispyb_ro_nopii" and on == "table EnergyScan" for r, _, on, _ in losses)
    assert ("ispyb_processing", ("EXECUTE",), "procedure upsert_energy_scan", None) in losses
    text = next(str(x) for x in upstream_index.losses(ctx)
                if x.role == "ispyb_expeye_acquisition_role")
    assert "becomes a view (over DataCollection, DataCollectionGroup)" in text


def test_a_renamed_table_keeps_only_what_every_table_has(tmp_path, upstream_model,
                                                         upstream_index):
    path = proposal(tmp_path, "es-rename",
                    "  - rename_table: {from: EnergyScan, to: FluorescenceScan}\n")
    losses = {(x.role, x.privileges) for x in upstream_index.losses(context(path,
                                                                           upstream_model))}
    assert ("ispyb_web", ("UPDATE",)) in losses  # SELECT ON * still covers the new name
    assert ("ispyb_ro_nopii", ("SELECT",)) in losses


# -- impact's precision on upstream's routines ---------------------------------------------

def _statements(obj) -> list[tuple[int, str]]:
    """An object's statements split at ``;`` (routines.sql quotes no ``;`` in these)."""
    out, line = [], obj.line
    for part in obj.text.split(";"):
        out.append((line, part))
        line += part.count("\n")
    return out


def _dewar_barcode_uses(objects) -> dict[str, set[int]]:
    """Ground truth, computed without the tool: in each statement that names Dewar, a use of
    Dewar.barCode is ``<Dewar's alias>.barCode``, or an unqualified ``barCode`` in a statement
    whose only table is Dewar (INSERT INTO Dewar (…, barCode, …), UPDATE Dewar SET barCode =
    …). ``c.barcode``/``cr.barcode`` are Container's and ContainerRegistry's columns; strings
    (``"barCode"``, the result column's name) and ``p_barcode`` parameters are not uses."""
    found: dict[str, set[int]] = {}
    for obj in objects:
        for start, statement in _statements(obj):
            text = re.sub(r"'[^']*'|\"[^\"]*\"", "''", statement)
            if not re.search(r"\bDewar\b", text):
                continue
            aliases = set(re.findall(r"\bDewar\s+(?:AS\s+)?(?!ON\b|USING\b|WHERE\b|SET\b)(\w+)",
                                     text, re.I))
            tables = set(re.findall(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+(\w+)", text, re.I))
            for at, line in enumerate(text.split("\n")):
                qualified = any(re.search(rf"\b{a}\.barCode\b", line, re.I) for a in aliases)
                alone = tables == {"Dewar"} and re.search(r"(?<![\w.])barCode\b", line, re.I)
                if qualified or alone:
                    found.setdefault(obj.name, set()).add(start + at)
    return found


@pytest.mark.upstream
def test_a_shared_column_name_is_attributed_through_aliases(tmp_path, upstream_model,
                                                            upstream_index):
    """Dewar.barCode vs Container.barcode / ContainerRegistry.barcode: seven routines read
    ``c.barcode`` or ``cr.barcode`` in statements that also join Dewar. Reading routines.sql
    by hand, exactly five routines use Dewar's column: retrieve_dewars_for_proposal_code_number
    (and _v2) select ``d.barCode``; upsert_dewar, _v2 and _v3 insert and update it."""
    path = proposal(tmp_path, "dewar-barcode",
                    "  - rename_column: {table: Dewar, from: barCode, to: dewarBarcode}\n")
    hits = [h for h in upstream_index.hits(context(path, upstream_model))
            if h.method != "grant"]
    found: dict[str, set[int]] = {}
    for h in hits:
        found.setdefault(h.obj.name, set()).add(h.obj.line + h.line - 1)
    truth = _dewar_barcode_uses(upstream_index.objects)
    assert set(truth) == {"retrieve_dewars_for_proposal_code_number",
                          "retrieve_dewars_for_proposal_code_number_v2",
                          "upsert_dewar", "upsert_dewar_v2", "upsert_dewar_v3"}
    true_positive = set(found) & set(truth)
    precision, recall = len(true_positive) / len(found), len(true_positive) / len(truth)
    assert (precision, recall) == (1.0, 1.0), (sorted(found), sorted(truth))
    assert found == truth  # and every line of each use


@pytest.mark.upstream
def test_a_column_of_one_table_is_found_everywhere(tmp_path, upstream_model, upstream_index):
    """Recall for a name only DataCollection has: every line of routines.sql that names
    xtalSnapshotFullPath1 (parameters ``p_…`` aside) is a hit, and nothing else."""
    path = proposal(tmp_path, "snap", "  - drop_column: {table: DataCollection, column: "
                                      "xtalSnapshotFullPath1, data_loss: {acknowledged: true, "
                                      "reason: a test of impact}}\n")
    hits = {h.obj.line + h.line - 1 for h in upstream_index.hits(context(path, upstream_model))
            if h.method != "grant"}
    lines = (UPSTREAM / "routines.sql").read_text().split("\n")
    truth = {n + 1 for n, text in enumerate(lines)
             if re.search(r"\bxtalSnapshotFullPath1\b", re.sub(r'"[^"]*"', "", text))}
    assert hits == truth
    names = {h.obj.name for h in upstream_index.hits(context(path, upstream_model))}
    assert {"upsert_dc", "retrieve_dc", "retrieve_dc_main", "retrieve_dc_main_v2",
            "retrieve_dcs_for_sample"} <= names


# -- by default, and outside the project ----------------------------------------------------

def test_lint_uses_the_baseline_routines_by_default(monkeypatch):
    monkeypatch.chdir(ROOT)
    out = CliRunner().invoke(cli, ["lint", "proposals/energy-scan-xrf.yaml", "--no-db",
                                   "--format", "json"])
    findings = json.loads(out.output)["proposals"]["energy-scan-xrf"]["findings"]
    assert any(f["code"] == "ISP604" and "ispyb_expeye_acquisition_role" in f["message"]
               for f in findings), out.output


@pytest.mark.upstream
def test_lint_impact_and_check_outside_the_project(tmp_path, monkeypatch):
    """Given --baseline, the three commands need no pyproject.toml (as validate), and find
    routines.sql and grants/ beside the dump."""
    need_upstream()
    path = proposal(tmp_path, "dewar-barcode",
                    "  - rename_column: {table: Dewar, from: barCode, to: dewarBarcode}\n")
    monkeypatch.chdir(tmp_path)
    base = str(UPSTREAM / "tables.sql")
    runner = CliRunner()
    lint = runner.invoke(cli, ["lint", str(path), "--baseline", base, "--no-db"])
    assert lint.exit_code == 1, lint.output  # ISP601: the routines break
    assert "procedure upsert_dewar uses it" in lint.output
    impact = runner.invoke(cli, ["impact", str(path), "--baseline", base])
    assert impact.exit_code == 0 and "upsert_dewar_v3" in impact.output, impact.output
    check = runner.invoke(cli, ["check", str(path), "--baseline", base, "--no-db"])
    assert check.exit_code == 1 and "ISP601" in check.output, check.output
    assert "no pyproject.toml" not in lint.output + impact.output + check.output


# -- the review site ------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["embedded", pytest.param("upstream",
                                                            marks=pytest.mark.upstream)])
def test_every_proposal_page_shows_routines_and_roles(which, monkeypatch):
    """On both baselines, every proposal's page has the impact section from the baseline's
    own routines and grants: the routines with file and lines, and what each role loses."""
    from ispyb_schema.config import find_project
    from ispyb_schema.site.build import render_pages
    from ispyb_schema.site.collect import collect_site

    if which == "upstream":
        need_upstream()
    monkeypatch.chdir(ROOT)
    project = find_project()
    source = project.baseline_source() if which == "embedded" else str(UPSTREAM / "tables.sql")
    model = collect_site(project, load_schema(source), source)
    pages = render_pages(model)
    routines = "routines.sql"  # upstream's, the embedded baseline's too
    for page in model.proposals:
        assert page.impact is not None, page.id
        text = pages[f"proposals/{page.id}.md"]
        section = text[text.index("## Impact on routines and roles"):]
        assert "Searched: " in section and routines in section, page.id
    energy = pages["proposals/energy-scan-xrf.md"]
    assert re.search(rf"\| procedure \| `upsert_energy_scan` \| {routines}: uses EnergyScan "
                     rf"\(dropped, step \d+ \(drop\\_table\)\) at line \d+ \|", energy), energy
    assert "| `ispyb_expeye_acquisition_role` | loses INSERT, UPDATE on table EnergyScan" \
        in energy
    harmonisation = pages["proposals/datacollection-harmonisation.md"]
    assert re.search(rf"\| function \| `upsert_dc` \| {routines}: uses [^\n]*"
                     r"DataCollection.xtalSnapshotFullPath1 \(dropped, step \d+ \(drop\\_column\)\)"
                     r" at lines? \d+", harmonisation), harmonisation
