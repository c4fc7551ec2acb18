# SPDX-License-Identifier: LGPL-3.0-or-later
"""Every lint rule against proposals that trigger it and proposals that do not.

Each file under ``tests/data/lint/`` says which codes it is about (``# lint-test: ISP102``)
and marks the lines where those codes must be reported (``# expect: ISP102``); the findings
of those codes must be exactly the marks. ``rules/`` runs without a database, ``data/`` with
the fixture data on a scratch MariaDB, ``impact/`` with the routines and grants of
``tests/data/impact/``, and each folder of ``portfolio/`` as one set of proposals.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.validate import validate
from ispyb_schema.lint import RULES, lint_proposals, rule_pages
from ispyb_schema.lint.conflicts import Portfolio
from ispyb_schema.lint.impact import ImpactIndex
from ispyb_schema.lint.probe import DataSource
from ispyb_schema.lint.sources import read_grants, read_routines

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "lint"
IMPACT = ROOT / "tests" / "data" / "impact"
FOCUS = re.compile(r"^# lint-test: (.+)$", re.M)
EXPECT = re.compile(r"# expect: ((?:ISP\d{3}\s*)+)")


def focus(path: Path) -> set[str]:
    return set(FOCUS.search(path.read_text(encoding="utf-8")).group(1).split())


def expected(path: Path) -> set[tuple[int, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {(number, code) for number, line in enumerate(lines, start=1)
            for found in EXPECT.finditer(line) for code in found.group(1).split()}


def found(report, paths: list[Path]) -> dict[Path, set[tuple[int, str]]]:
    out: dict[Path, set[tuple[int, str]]] = {p: set() for p in paths}
    for finding in report.findings:
        path = Path(finding.loc.file)
        if path in out and finding.code in focus(path):
            out[path].add((finding.loc.line, finding.code))
    return out


def assert_marks(paths: list[Path], baseline, **options) -> None:
    result = validate(paths, baseline)
    assert not result.diagnostics, "\n".join(map(str, result.sorted_diagnostics()))
    report = lint_proposals(result, **options)
    for path, got in found(report, paths).items():
        wanted = expected(path)
        assert got == wanted, (f"{path.name}: missing {sorted(wanted - got)}, unexpected "
                               f"{sorted(got - wanted)}\n" + "\n".join(map(str, report.findings)))


@pytest.fixture(scope="module")
def embedded():
    return load_schema(ROOT / "schema")


@pytest.mark.parametrize("path", sorted((DATA / "rules").glob("*.yaml")), ids=lambda p: p.stem)
def test_rule_without_database(embedded, path):
    assert_marks([path], embedded)


@pytest.mark.parametrize("path", sorted((DATA / "impact").glob("*.yaml")), ids=lambda p: p.stem)
def test_rule_with_routines_and_grants(embedded, path):
    index = ImpactIndex(read_routines(IMPACT / "routines.sql"), read_grants(IMPACT / "grants.sql"))
    assert_marks([path], embedded, impact=index)


@pytest.mark.parametrize("path", sorted((DATA / "data").glob("*.yaml")), ids=lambda p: p.stem)
def test_rule_with_fixture_data(mariadb_server, embedded, path):
    source = DataSource(mariadb_server, embedded, [ROOT / "schema" / "fixtures"])
    assert_marks([path], embedded, data=source)


@pytest.mark.parametrize("folder", sorted(p for p in (DATA / "portfolio").iterdir()),
                         ids=lambda p: p.name)
def test_rule_across_proposals(embedded, folder):
    paths = sorted(folder.glob("*.yaml"))
    result = validate(paths, embedded)
    assert_marks(paths, embedded, portfolio=Portfolio(result, {"embedded": embedded}))


def test_every_rule_has_a_triggering_and_a_quiet_proposal():
    files = list(DATA.rglob("*.yaml"))
    triggered = {code for f in files for _, code in expected(f)}
    quiet = {code for f in files for code in focus(f) - {c for _, c in expected(f)}}
    assert set(RULES) - triggered == set()
    assert set(RULES) - quiet == set()


def test_suppressed_findings_are_listed_but_do_not_block(embedded):
    path = DATA / "rules" / "ok-ISP001-suppression.yaml"
    report = lint_proposals(validate([path], embedded))
    [finding] = [f for f in report.findings if f.code == "ISP102"]
    assert finding.suppressed == "the column has been empty at every facility since 2015"
    assert "(suppressed: the column has been empty" in str(finding)


def test_errors_fail_the_report_and_notices_do_not(embedded):
    failing = lint_proposals(validate([DATA / "rules" / "ISP401-no-primary-key.yaml"], embedded))
    passing = lint_proposals(validate([DATA / "rules" / "ISP300-alter-algorithm.yaml"], embedded))
    assert not failing.ok and passing.ok
    assert passing.findings and all(f.severity == "notice" for f in passing.findings)


def test_every_rule_has_a_documentation_page():
    pages = rule_pages()
    assert list(pages) == sorted(RULES)
    for code, page in pages.items():
        rule = RULES[code]
        assert page.startswith(f"# {code} {rule.name}\n")
        assert f"**Severity:** {rule.severity}" in page
        assert rule.doc and rule.doc in page
        assert f"# lint-ignore {code}:" in page


@pytest.mark.upstream
def test_release_train_on_both_baselines(embedded):
    dump = ROOT.parent / "shared" / "ispyb-database" / "tables.sql"
    if not dump.is_file():
        pytest.skip("the upstream dump is not in ../shared/ispyb-database")
    baselines = {"embedded": embedded, "upstream": load_schema(dump)}
    for folder, stops in (("train-ok", []), ("train-breaks", ["embedded", "upstream"])):
        paths = sorted((DATA / "portfolio" / folder).glob("*.yaml"))
        portfolio = Portfolio(validate(paths, embedded), baselines)
        assert [s.baseline for s in portfolio.train] == stops
        assert all(s.proposal == "lint-train-b" for s in portfolio.train)
    assert portfolio.train_order == ["lint-train-a", "lint-train-b"]


def test_a_conflict_names_the_proposal_at_fault(embedded):
    """Issue 14: ISP701 named one proposal and explained another's failure. lint-blame-a
    drops a table; lint-blame-d renames a column of it; lint-blame-b depends on lint-blame-d
    and comments another column. Before: a's finding said 'conflicts with lint-blame-b' and
    explained lint-blame-d's failure; b's blamed b. Now the one whose steps fail is named."""
    paths = sorted((DATA / "portfolio" / "blame").glob("*.yaml"))
    result = validate(paths, embedded)
    report = lint_proposals(result, portfolio=Portfolio(result, {"embedded": embedded}))
    found = {f.loc.file.rsplit("/", 1)[-1]: f.message for f in report.findings
             if f.code == "ISP701"}
    assert found["lint-blame-a.yaml"].startswith(
        "conflicts with lint-blame-d (and so with lint-blame-b, which depends on it) on ")
    assert "after lint-blame-a, lint-blame-d fails: " in found["lint-blame-a.yaml"]
    assert found["lint-blame-d.yaml"].startswith("conflicts with lint-blame-a on ")
    assert found["lint-blame-b.yaml"].startswith(
        "depends on lint-blame-d, which conflicts with lint-blame-a (changing ")
    assert "lint-blame-d (which lint-blame-b depends on) fails" in found["lint-blame-b.yaml"]
    assert "crystalId" not in found["lint-blame-b.yaml"]  # what d and a change, not b
    assert len(found) == 3  # one finding each: a's two conflicts are one (d's)
