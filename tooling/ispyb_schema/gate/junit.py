# SPDX-License-Identifier: LGPL-3.0-or-later
"""JUnit XML: one test suite per proposal, one test case per check (validate, lint,
verify), for CI systems that show test reports."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from .result import CheckResult, GateResult


def _case(result: CheckResult) -> ET.Element:
    case = ET.Element("testcase", classname=result.proposal, name=result.check,
                      file=result.file or "")
    blocking = [f for f in result.findings if f.blocking]
    if result.status == "failed":
        failure = ET.SubElement(case, "failure", type=blocking[0].code if blocking else "",
                                message=f"{len(blocking)} error(s)")
        failure.text = "\n".join(map(str, blocking))
    elif result.status in ("skipped", "unavailable"):
        ET.SubElement(case, "skipped", message=f"{result.status}: {result.note}")
    others = [f for f in result.findings if not f.blocking]
    if others:
        ET.SubElement(case, "system-out").text = "\n".join(map(str, others))
    return case


def to_junit(gate: GateResult) -> str:
    root = ET.Element("testsuites", name="ispyb-schema check")
    for proposal in gate.proposals():
        results = [r for r in gate.results if r.proposal == proposal]
        suite = ET.SubElement(root, "testsuite", name=proposal, tests=str(len(results)),
                              failures=str(sum(r.status == "failed" for r in results)),
                              skipped=str(sum(r.status in ("skipped", "unavailable")
                                              for r in results)), errors="0")
        suite.extend(_case(r) for r in results)
    root.set("tests", str(len(gate.results)))
    root.set("failures", str(sum(r.status == "failed" for r in gate.results)))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
