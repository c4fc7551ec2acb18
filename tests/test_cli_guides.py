# SPDX-License-Identifier: LGPL-3.0-or-later
"""A CLI that guides, as a user runs it: proposals by id, the progress display on a terminal
and in logs, summaries that name what was written, impact's needs, suppressed findings,
case-only renames."""
from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "data" / "proposals"
RULES = ROOT / "tests" / "data" / "lint" / "rules"
ROUTINES = ROOT / "tests" / "data" / "impact" / "routines.sql"


def run(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "ISPYB_SCHEMA_DB_URL"}
    return subprocess.run([sys.executable, "-m", "ispyb_schema", *args], cwd=cwd,
                          capture_output=True, text=True, env={**environment, **(env or {})},
                          timeout=600)


def on_a_terminal(*args: str, timeout: float = 600) -> str:
    """Everything the command writes to a pseudo-terminal (stdout and stderr)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "ispyb_schema", *args], cwd=ROOT,
                               stdin=subprocess.DEVNULL, stdout=follower, stderr=follower,
                               env={**os.environ, "COLUMNS": "120", "TERM": "xterm"})
    os.close(follower)
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 1)
            if ready:
                try:
                    data = os.read(leader, 65536)
                except OSError:  # the command ended and closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif process.poll() is not None:
                break
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
        process.wait()
    return b"".join(chunks).decode(errors="replace")


# --- proposals by id -------------------------------------------------------------------------

def test_plan_takes_a_proposal_id_as_well_as_its_file():
    by_id = run("plan", "datacollection-harmonisation")
    by_path = run("plan", "proposals/datacollection-harmonisation.yaml")
    assert by_id.returncode == 0, by_id.stderr
    assert by_id.stdout == by_path.stdout and "ALTER TABLE `DataCollection`" in by_id.stdout


def test_validate_and_lint_take_ids_from_a_subfolder():
    result = run("validate", "energy-scan-xrf", cwd=ROOT / "tests")
    assert result.returncode == 0, result.stderr
    lint = run("lint", "--no-db", "energy-scan-xrf", "--format", "json", cwd=ROOT / "site")
    assert lint.returncode == 0, lint.stderr
    assert set(json.loads(lint.stdout)["proposals"]) == {"energy-scan-xrf"}


def test_an_unknown_id_lists_the_known_ones():
    result = run("plan", "datacollection-harmonization")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "datacollection-harmonization: no such proposal file or id" in result.stderr
    assert "datacollection-harmonisation" in result.stderr.split("are:")[1]


def test_outside_a_project_an_id_is_not_found_and_a_path_still_works(tmp_path):
    result = run("validate", "energy-scan-xrf", "--baseline", str(ROOT / "schema"),
                 cwd=tmp_path)
    assert result.returncode == 2 and "no such proposal file or id" in result.stderr
    ok = run("validate", str(EXAMPLES / "dc-energy.yaml"), "--baseline", str(ROOT / "schema"),
             cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr


# --- the progress display --------------------------------------------------------------------

def test_verify_in_a_log_prints_a_line_per_proposal(mariadb_server, tmp_path):
    record = tmp_path / "record.json"
    result = run("verify", str(EXAMPLES / "dc-energy.yaml"), str(EXAMPLES / "views.yaml"),
                 "--db", mariadb_server.url, "--no-together", "--json", str(record))
    assert result.returncode == 0, result.stderr
    progress = [line for line in result.stderr.splitlines() if line.startswith(("dc-", "views"))]
    assert sorted(line.split()[:2] for line in progress) == [["dc-energy:", "verified"],
                                                            ["views:", "verified"]]
    assert "\x1b[" not in result.stderr  # no terminal control in a log
    assert f"record: {record}" in result.stdout and record.is_file()


def test_verify_on_a_terminal_updates_its_lines_in_place(mariadb_server, tmp_path):
    output = on_a_terminal("verify", str(EXAMPLES / "dc-energy.yaml"), "--db",
                           mariadb_server.url, "--no-together", "--json",
                           str(tmp_path / "r.json"))
    assert "\x1b[" in output  # cursor movement: rich redraws the lines
    assert "dc-energy: verified" in output and "record:" in output


def test_check_shows_its_phases_and_names_the_files_it_wrote(tmp_path):
    report = tmp_path / "gate.json"
    result = run("check", "--no-db", "energy-scan-xrf", "--json", str(report), "--markdown",
                 str(tmp_path / "gate.md"))
    assert result.returncode == 0, result.stderr
    assert "validate: 1 of 1 valid" in result.stderr and "lint: done" in result.stderr
    assert f"written: {report} (json)" in result.stderr
    assert f"written: {tmp_path / 'gate.md'} (markdown)" in result.stderr


def test_check_takes_db_like_verify_and_lint(mariadb_server, tmp_path):
    result = run("check", str(RULES / "ok-ISP401-primary-key.yaml"), "--db",
                 mariadb_server.url, "--json", str(tmp_path / "g.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    statuses = {r["check"]: r["status"]
                for r in json.loads((tmp_path / "g.json").read_text())["results"]}
    assert statuses == {"validate": "passed", "lint": "passed", "verify": "passed"}
    assert "ok-ISP401-primary-key: verified" in result.stderr
    bad = run("check", str(RULES / "ok-ISP401-primary-key.yaml"), "--db", "nowhere")
    assert bad.returncode == 2 and "expected a mysql://" in bad.stderr


# --- lint: suppressed findings ---------------------------------------------------------------

def test_lint_counts_suppressed_findings_and_lists_them_on_request():
    proposal = str(RULES / "ok-ISP001-suppression.yaml")
    hidden = run("lint", "--no-db", proposal)
    assert hidden.returncode == 0, hidden.stderr
    assert "ISP102" not in hidden.stdout
    assert "1 suppressed (--show-suppressed lists them)" in hidden.stderr
    shown = run("lint", "--no-db", "--show-suppressed", proposal)
    [line] = [line for line in shown.stdout.splitlines() if "ISP102" in line]
    assert "suppressed[ISP102]" in line and "warning[" not in line
    assert "(suppressed: the column has been empty at every facility since 2015; a " in line


# --- case-only renames -----------------------------------------------------------------------

CASE_RENAME = """# SPDX-License-Identifier: LGPL-3.0-or-later
id: {id}
title: Renames a column the routines use
status: draft
authors: [{{name: Lint Test, affiliation: ispyb-schema}}]
created: 2024-01-01
steps:
  - rename_column: {{table: DataCollection, from: numberOfImages, to: {new}}}
"""


@pytest.fixture
def renames(tmp_path) -> dict[str, Path]:
    out = {}
    for pid, new in (("case-only", "NumberOfImages"), ("real-rename", "imageCount")):
        out[pid] = tmp_path / f"{pid}.yaml"
        out[pid].write_text(CASE_RENAME.format(id=pid, new=new))
    return out


def test_isp108_says_what_a_case_only_rename_risks(renames):
    result = run("lint", "--no-db", str(renames["case-only"]), str(renames["real-rename"]))
    [case] = [line for line in result.stdout.splitlines() if "ISP108" in line and
              "NumberOfImages" in line]
    assert "warning[ISP108]" in case and "case only" in case
    assert "SQL (queries, views, routines) is unaffected" in case
    assert "result-set keys by name" in case
    [real] = [line for line in result.stdout.splitlines() if "ISP108" in line and
              "imageCount" in line]
    assert "every reader of the old name breaks" in real and "case only" not in real


def test_impact_lists_no_routine_for_a_case_only_rename(renames):
    case = run("impact", str(renames["case-only"]), "--routines", str(ROUTINES))
    assert case.returncode == 0, case.stderr
    assert case.stdout == "" and "0 objects affected" in case.stderr
    real = run("impact", str(renames["real-rename"]), "--routines", str(ROUTINES))
    assert "v_dc_summary" in real.stdout and "numberOfImages" in real.stdout


# --- impact's needs --------------------------------------------------------------------------

def test_impact_without_a_source_says_how_to_go_on():
    # a baseline with no routines or grants beside it (the project's are configured in pyproject.toml)
    result = run("impact", "datacollection-harmonisation", "--baseline",
                 str(ROOT / "schema" / "tables"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--routines FILE" in result.stderr and "mariadb-dump" in result.stderr
    assert "ispyb-schema impact --help" in result.stderr
    helped = run("impact", "--help")
    assert "Needs at least one source to search" in " ".join(helped.stdout.split())


def test_an_empty_routines_dump_warns(tmp_path):
    empty = tmp_path / "routines.sql"
    empty.write_text("-- nothing here\n")
    result = run("impact", "datacollection-harmonisation", "--routines", str(empty))
    assert result.returncode == 0
    assert f"warning: {empty} holds no view, routine, trigger or event" in result.stderr
