# SPDX-License-Identifier: LGPL-3.0-or-later
"""Every claim a proposal makes about upstream is checkable: its ``facts:`` list is checked
against upstream's tables.sql, routines.sql and grants/ (issue 14: energy-scan-xrf said the
common schema lacks Project_has_DCGroup, which upstream has). The checker itself is tested on
facts that are false."""
from __future__ import annotations

from pathlib import Path

import pytest

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.facts import Fact, check_facts
from ispyb_schema.changeset.load import load_proposal
from ispyb_schema.lint.impact import ImpactIndex
from ispyb_schema.lint.sources import read_grants, read_routines

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = ROOT.parent / "shared" / "ispyb-database"
PROPOSALS = sorted((ROOT / "proposals").glob("*.yaml"))
REVISED = {"energy-scan-xrf", "datacollection-harmonisation", "session-harmonisation"}

pytestmark = pytest.mark.upstream


@pytest.fixture(scope="module")
def upstream():
    if not (UPSTREAM / "routines.sql").is_file():
        pytest.skip("the upstream dumps are not in ../shared/ispyb-database")
    return load_schema(UPSTREAM / "tables.sql"), ImpactIndex(
        read_routines(UPSTREAM / "routines.sql"), read_grants(UPSTREAM / "grants"))


@pytest.mark.parametrize("path", PROPOSALS, ids=[p.stem for p in PROPOSALS])
def test_every_fact_holds_upstream(path, upstream):
    model, index = upstream
    proposal = load_proposal(path)
    if proposal.id in REVISED:
        assert proposal.facts, f"{proposal.id} states no facts"
    assert check_facts(proposal.facts, model, index) == []


def test_the_revised_proposals_state_the_facts_of_the_issue():
    facts = {p.stem: {(f.kind, str(f.value)) for f in load_proposal(p).facts}
             for p in PROPOSALS}
    assert ("present", "Project_has_DCGroup") in facts["energy-scan-xrf"]
    assert ("absent", "AutoProcProgram.dataCollectionId") in facts["energy-scan-xrf"]
    assert ("granted", str({"role": "ispyb_expeye_acquisition_role", "privilege": "INSERT",
                            "table": "EnergyScan"})) in facts["energy-scan-xrf"]
    assert ("enum_has", str({"column": "DataCollectionGroup.experimentType",
                             "value": "Metal ID"})) in facts["datacollection-harmonisation"]
    assert {f"DataCollection.xtalSnapshotFullPath{n}" for n in range(1, 5)} <= {
        v for k, v in facts["datacollection-harmonisation"] if k == "routine_reads"
        for v in [eval(v)["column"]]}
    assert ("absent", "BLSession.projectCode") in facts["session-harmonisation"]


@pytest.mark.parametrize("fact", [
    Fact("present", "EnergyScan.noSuchColumn"),
    Fact("absent", "Project_has_DCGroup"),  # the claim the issue found false
    Fact("present", "XRFFluorescenceMapping.dataCollectionId"),
    Fact("enum_has", {"column": "DataCollectionGroup.experimentType", "value": "Metal-ID"}),
    Fact("routine_reads", {"routine": "retrieve_container", "column": "Dewar.barCode"}),
    Fact("routine_reads", {"routine": "no_such_routine", "column": "Dewar.barCode"}),
    Fact("granted", {"role": "ispyb_ro_nopii", "privilege": "INSERT", "table": "EnergyScan"}),
    Fact("granted", {"role": "ispyb_expeye_acquisition_role", "privilege": "DELETE",
                     "table": "EnergyScan"}),
])
def test_a_false_fact_is_reported(fact, upstream):
    model, index = upstream
    assert check_facts([fact], model, index) == [f"None: {fact} does not hold on this baseline"]
