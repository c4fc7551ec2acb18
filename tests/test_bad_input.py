# SPDX-License-Identifier: LGPL-3.0-or-later
"""No input crashes the tool: bounded YAML, no traceback, exit codes 2 and 3.

The corpus itself (tests/data/bad_proposals) is checked case by case in
test_changeset_bad_proposals.py; here every case is also refused within a time and memory
bound, and the limits, the last-resort error handler and the id rules are tested directly.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ispyb_schema.cli.guard import run_guarded
from ispyb_schema.cli.main import cli
from ispyb_schema.errors import InputError
from ispyb_schema.limits import Limits, current_limits
from ispyb_schema.yamlsrc import compose, decode_source, parse_yaml

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad_proposals"
SECONDS, MEGABYTES = 2.0, 200

# Runs every case in one process; after each, the CPU time it took (wall time on a shared CI
# machine measures the neighbours too) and the process's peak RSS so far (VmHWM) (a high-water mark: a
# case that needed more than the bound shows at that case).
RUNNER = textwrap.dedent("""
    import json, os, sys, time
    from click.testing import CliRunner
    from ispyb_schema.cli.main import cli
    os.chdir(sys.argv[1])

    def peak_kb():  # this program's own high-water mark: ru_maxrss keeps the parent's across exec
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

    out = []
    for name, others in json.loads(sys.argv[3]):
        start, wall = time.process_time(), time.perf_counter()
        result = CliRunner().invoke(cli, ["validate", name, *others, "--baseline", sys.argv[2]])
        out.append({"case": name, "seconds": time.process_time() - start,
                    "wall": time.perf_counter() - wall,
                    "exit": result.exit_code, "peak_kb": peak_kb(),
                    "traceback": "Traceback" in result.output or
                                 not isinstance(result.exception, SystemExit)})
    print(json.dumps(out))
""")


def cases() -> list[str]:
    return sorted(p.name for p in [*BAD.glob("*.yaml"), *BAD.glob("*.bin")])


def validated_with(name: str) -> list[str]:
    """The files a case is validated alongside (its '# with:' lines)."""
    header = (BAD / name).read_bytes().decode("utf-8", "replace").splitlines()
    return [line.split(":", 1)[1].strip() for line in header if line.startswith("# with:")]


def test_the_corpus_holds_at_least_a_hundred_bad_inputs():
    assert len(cases()) >= 100


@pytest.mark.slow
def test_every_bad_input_is_refused_within_two_seconds_and_200_megabytes():
    todo = json.dumps([(name, validated_with(name)) for name in cases()])
    done = subprocess.run([sys.executable, "-c", RUNNER, str(BAD), str(ROOT / "schema"), todo],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert [r["case"] for r in results] == cases()
    for r in results:
        assert r["exit"] == 2 and not r["traceback"], r
        assert r["seconds"] < SECONDS, r
        assert r["peak_kb"] < MEGABYTES * 1024, r


# -- the limits ---------------------------------------------------------------------------------
def codes(err: InputError) -> list[tuple[int, int, str]]:
    return [(d.loc.line, d.loc.column, d.code) for d in err.diagnostics]


def test_an_alias_bomb_stops_at_the_alias_that_crosses_the_budget():
    text = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
    # 152 values expanded: the mapping and its keys (4), a (11), b (1 + 3 * 11), c (1 + 3 * 34)
    assert compose(text, "f.yaml", Limits(yaml_nodes=152)) is not None
    with pytest.raises(InputError) as caught:
        compose(text, "f.yaml", Limits(yaml_nodes=100))
    assert codes(caught.value) == [(3, 9, "E002")]  # the second *b: 84 + 34 > 100
    assert "alias expands the file to more than 100 values" in str(caught.value)


def test_values_beyond_the_budget_are_refused_without_aliases():
    with pytest.raises(InputError) as caught:
        compose("[" + ", ".join("x" * 20) + "]\n", "f.yaml", Limits(yaml_nodes=10))
    assert codes(caught.value) == [(1, 29, "E002")]
    assert "the file has more than 10 values" in str(caught.value)


def test_nesting_beyond_the_depth_limit_is_refused_where_it_starts():
    assert compose("a: [[x]]\n", "f.yaml", Limits(yaml_depth=3)) is not None
    with pytest.raises(InputError) as caught:
        compose("a: [[[x]]]\n", "f.yaml", Limits(yaml_depth=3))
    assert codes(caught.value) == [(1, 6, "E002")]


def test_a_file_beyond_the_size_limit_is_refused_before_it_is_read():
    with pytest.raises(InputError) as caught:
        decode_source(b"a: " + b"x" * 100, "f.yaml", Limits(yaml_bytes=50))
    assert "the file is 103 bytes; the limit is 50" in str(caught.value)


def test_undecodable_bytes_are_located_by_line_and_column():
    with pytest.raises(InputError) as caught:
        decode_source("a: b\nc: d\xe9f\n".encode("latin-1"), "f.yaml")
    assert codes(caught.value) == [(2, 5, "E003")]
    assert "expected UTF-8" in str(caught.value)


def test_limits_come_from_the_environment_then_the_project(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.ispyb-schema]\nbaseline = 'schema'\n[tool.ispyb-schema.limits]\n"
        "yaml_nodes = 500\nyaml_depth = 9\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ISPYB_SCHEMA_YAML_DEPTH", "7")
    assert current_limits() == Limits(yaml_bytes=Limits().yaml_bytes, yaml_nodes=500,
                                      yaml_depth=7)
    monkeypatch.setenv("ISPYB_SCHEMA_YAML_DEPTH", "zero")
    with pytest.raises(InputError, match="positive whole number"):
        current_limits()


def test_every_real_proposal_is_far_below_the_default_limits():
    limits = Limits()
    for path in sorted((ROOT / "proposals").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert len(text.encode()) * 10 < limits.yaml_bytes
        parse_yaml(text, str(path))  # within the default node and depth budgets
        compose(text, str(path), Limits(yaml_nodes=limits.yaml_nodes // 10,
                                        yaml_depth=limits.yaml_depth // 4))


def test_syntax_errors_keep_the_pure_python_wording_and_position():
    with pytest.raises(InputError) as caught:
        parse_yaml("a: {b: 1\n", "f.yaml")
    assert str(caught.value) == ("f.yaml:2:1: error[E001]: invalid YAML: expected ',' or '}', "
                                 "but got '<stream end>'")


# -- the last line of defence ---------------------------------------------------------------
@click.command()
@click.argument("what")
def _broken(what: str) -> None:
    if what == "bug":
        raise KeyError("no such thing")
    if what == "recursion":
        raise RecursionError("maximum recursion depth exceeded")
    raise PermissionError(13, "Permission denied", "/root/out.sql")


@pytest.mark.parametrize("what, code, message", [
    ("bug", 3, "internal error, please report: KeyError: 'no such thing'"),
    ("recursion", 3, "internal error, please report: RecursionError: maximum recursion"),
    ("oserror", 2, "error: /root/out.sql: Permission denied; nothing was written."),
])
def test_an_escaping_exception_becomes_a_short_report(what, code, message, capsys,
                                                      monkeypatch):
    monkeypatch.delenv("ISPYB_SCHEMA_TRACEBACK", raising=False)
    with pytest.raises(SystemExit) as stopped:
        run_guarded(_broken, [what])
    assert stopped.value.code == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.splitlines()) <= 2


def test_plan_into_a_missing_folder_exits_2_and_writes_nothing(tmp_path):
    target = tmp_path / "missing_dir" / "x.sql"
    done = subprocess.run([sys.executable, "-m", "ispyb_schema", "plan",
                           "proposals/screening-cleanup.yaml", "-o", str(target)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert "missing_dir does not exist" in done.stderr and "Traceback" not in done.stderr
    assert not list(tmp_path.iterdir())


# -- ids ------------------------------------------------------------------------------------------
PROPOSAL = """\
id: {id}
title: A proposal whose id differs from another only in case
status: draft
authors: [{{name: Test Author, affiliation: Diamond}}]
created: 2019-07-09
steps:
  - drop_index: {{table: Protein, name: Protein_Index2}}
"""


def test_ids_that_differ_only_in_case_clash(tmp_path, monkeypatch):
    for pid in ("case-clash", "Case-Clash"):
        (tmp_path / f"{pid}.yaml").write_text(PROPOSAL.format(id=pid), encoding="utf-8")
    if len(list(tmp_path.iterdir())) < 2:
        pytest.skip("case-insensitive file system")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "Case-Clash.yaml", "case-clash.yaml",
                                      "--baseline", str(ROOT / "schema")])
    assert result.exit_code == 2
    assert "case-clash.yaml:1:5: error[E304]: proposal id 'case-clash' is also used by " \
           "Case-Clash.yaml (as 'Case-Clash'; ids must differ in more than case)" in result.stderr
