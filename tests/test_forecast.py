# SPDX-License-Identifier: LGPL-3.0-or-later
"""forecast: statements timed at three scales on a real server, fitted, checked on a held-out
scale, predicted at target sizes; bad targets refused."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from ispyb_schema.cli.main import cli
from ispyb_schema.forecast import forecast
from ispyb_schema.forecast.fit import fit
from ispyb_schema.forecast.report import headline, latest, text_report, write
from ispyb_schema.forecast.targets import Target, default_targets, parse_rows, read_facility
from ispyb_schema.baseline import load_schema
from ispyb_schema.site.forecastview import forecasts

ROOT = Path(__file__).resolve().parents[1]
EMBEDDED = ROOT / "schema"
PROPOSAL = ROOT / "proposals" / "screening-cleanup.yaml"
UPSTREAM = ROOT.parent / "shared" / "ispyb-database" / "tables.sql"


def test_fit_recovers_a_linear_statement_and_checks_it_on_the_largest_scale():
    rows = [10_000, 30_000, 100_000]
    f = fit(rows, [0.5 + 2e-5 * n for n in rows])
    assert f.model in ("linear", "n log n")
    assert f.holdout_error is not None and f.holdout_error < 0.05
    assert f.predict(10_000_000) == pytest.approx(0.5 + 2e-5 * 10_000_000, rel=0.1)


def test_fit_prefers_n_log_n_when_the_time_grows_faster_than_the_rows():
    rows = [10_000, 30_000, 100_000]
    f = fit(rows, [1e-6 * n * math.log2(n) for n in rows])
    assert f.model == "n log n"
    assert f.holdout_error < 0.01


def test_fit_keeps_a_metadata_change_constant():
    f = fit([10_000, 30_000, 100_000], [0.010, 0.011, 0.010])
    assert f.model == "constant"
    assert f.predict(1e9) == pytest.approx(0.0103, abs=0.001)


def test_fit_needs_two_samples():
    with pytest.raises(ValueError):
        fit([1], [1.0])


def test_rows_options_name_known_tables_with_units():
    base = load_schema(str(EMBEDDED))
    target = parse_rows(("DataCollection=10M", "blsession=2.5k"), base)
    assert target.rows == {"datacollection": 10_000_000, "blsession": 2_500}
    # a table not named scales like DataCollection, in the proportion measured
    assert target.rows_of("Image", {"image": 3.0}) == 30_000_000


@pytest.mark.parametrize("option, message", [
    ("NoSuchTable=5", "the baseline has no table 'NoSuchTable'"),
    ("DataCollection", "expected TABLE=ROWS"),
    ("DataCollection=-3", "expected TABLE=ROWS"),
])
def test_bad_rows_option_is_refused_before_any_server_starts(option, message):
    result = CliRunner().invoke(cli, ["forecast", str(PROPOSAL), "--rows", option,
                                      "--server", "mysql://nobody@127.0.0.1:1/"])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("scales", ["100,200", "100,100,200", "a,b,c", "0,10,20"])
def test_bad_scales_are_refused_before_any_server_starts(scales):
    result = CliRunner().invoke(cli, ["forecast", str(PROPOSAL), "--scales", scales,
                                      "--server", "mysql://nobody@127.0.0.1:1/"])
    assert result.exit_code == 2, result.output
    assert "scale" in result.output and "cannot connect" not in result.output
    assert "Traceback" not in result.output


def test_facility_sizes_are_read_from_information_schema(scratch_db, mariadb_server):
    with scratch_db.conn.cursor() as cur:
        cur.execute("CREATE TABLE `DataCollection` (`id` INT PRIMARY KEY) ENGINE=InnoDB")
        cur.execute("INSERT INTO `DataCollection` SELECT seq FROM seq_1_to_500")
        cur.execute("ANALYZE TABLE `DataCollection`")
    target = read_facility(f"{mariadb_server.url.rstrip('/')}/{scratch_db.name}")
    assert 250 <= target.rows["datacollection"] <= 1000  # InnoDB's estimate
    assert scratch_db.name in target.name


def test_forecast_of_a_proposal_on_a_real_server(mariadb_server, tmp_path):
    scales = [200, 400, 1_000]
    data = forecast([PROPOSAL], str(EMBEDDED), [EMBEDDED / "fixtures"], mariadb_server,
                    scales, default_targets())
    assert data["format"] == "ispyb-schema/forecast/1"
    assert data["scales"] == scales
    entry = data["proposals"]["screening-cleanup"]
    assert entry["statements"], "every forward statement is forecast"
    targets = [t["name"] for t in data["targets"]]
    for st in entry["statements"]:
        assert len(st["measured"]) == 3
        # the driver rows grow with the scale for statements over existing tables
        assert set(st["predicted_seconds"]) == set(targets)
        assert all(v >= 0 for v in st["predicted_seconds"].values())
        assert st["fit"]["model"] in ("constant", "linear", "n log n")
        assert st["holdout_error"] is not None
        assert st["lock"]
    over_existing = [st for st in entry["statements"] if st["measured"][0]["rows"] > 0]
    assert over_existing and all(st["measured"][0]["rows"] < st["measured"][-1]["rows"]
                                 for st in over_existing)
    # bigger targets never take less time
    small, big = entry["totals"][targets[0]], entry["totals"][targets[-1]]
    assert big["seconds"] >= small["seconds"]
    assert headline(entry, targets[1]).startswith(f"at {targets[1]}: ~")
    report = "\n".join(text_report(data))
    assert "screening-cleanup" in report and "holdout" in report
    write(data, tmp_path / "results" / "forecast-20261203T000000Z.json")
    assert latest(tmp_path / "results")["proposals"].keys() == data["proposals"].keys()
    # the site shows the record made against the same baseline, and no other
    shown = forecasts(tmp_path, load_schema(str(EMBEDDED)))["screening-cleanup"]
    assert shown.headlines[1] == headline(entry, targets[1])
    assert len(shown.rows) == len(entry["statements"])
    assert forecasts(tmp_path, load_schema(str(UPSTREAM))) == {}


def test_forecast_command_writes_json_with_given_rows(mariadb_server, tmp_path):
    out = tmp_path / "f.json"
    result = CliRunner().invoke(cli, ["forecast", str(PROPOSAL), "--scales", "200,400,1000",
                                      "--rows", "DataCollection=2M", "--server",
                                      mariadb_server.url, "--format", "json",
                                      "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["targets"] == [{"name": "DataCollection=2,000,000",
                                "rows": {"datacollection": 2_000_000}}]
    first = data["proposals"]["screening-cleanup"]["statements"][0]
    assert {"predicted_seconds", "lock", "fit", "holdout_error"} <= set(first)
