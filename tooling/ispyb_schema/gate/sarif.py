# SPDX-License-Identifier: LGPL-3.0-or-later
"""SARIF 2.1.0, so that code scanning shows each finding on its line of the proposal's YAML
in a pull request."""
from __future__ import annotations

from pathlib import Path

from .. import __version__
from ..changeset.codes import CODES
from ..lint import RULES
from .result import GateFinding, GateResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "notice": "note"}
VERIFY_RULE = ("VERIFY", "verify-failed", "the proposal failed on a real MariaDB (forward, "
               "schema comparison, data checks or rollback)")


def _rules(findings: list[GateFinding]) -> list[dict]:
    """Every lint rule, and the validation codes and VERIFY as far as they were found."""
    rules = [{"id": r.code, "name": r.name, "shortDescription": {"text": r.summary},
              "fullDescription": {"text": r.doc},
              "defaultConfiguration": {"level": LEVEL[r.severity]},
              "properties": {"tags": ["ispyb-schema", r.band]}}
             for r in (RULES[c] for c in sorted(RULES))]
    used = {f.code for f in findings}
    rules += [{"id": code, "name": f"validate-{code.lower()}",
               "shortDescription": {"text": text},
               "defaultConfiguration": {"level": "error"},
               "properties": {"tags": ["ispyb-schema", "validation"]}}
              for code, text in sorted(CODES.items()) if code in used]
    if "VERIFY" in used:
        code, name, text = VERIFY_RULE
        rules.append({"id": code, "name": name, "shortDescription": {"text": text},
                      "defaultConfiguration": {"level": "error"},
                      "properties": {"tags": ["ispyb-schema", "verification"]}})
    return rules


def _uri(file: str, root: Path) -> tuple[str, bool]:
    """The file relative to the repository (True), or as an absolute URI (False)."""
    path = Path(file).resolve()
    try:
        return path.relative_to(root.resolve()).as_posix(), True
    except ValueError:
        return path.as_uri(), False


def _result(finding: GateFinding, index: dict[str, int], root: Path) -> dict:
    result = {"ruleId": finding.code, "level": LEVEL[finding.level],
              "message": {"text": finding.message}}
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    if finding.loc:
        uri, relative = _uri(finding.loc.file, root)
        artifact = {"uri": uri, **({"uriBaseId": "%SRCROOT%"} if relative else {})}
        region = {"startLine": max(finding.loc.line, 1), "startColumn": max(finding.loc.column, 1)}
        result["locations"] = [{"physicalLocation": {"artifactLocation": artifact,
                                                     "region": region}}]
    if finding.suppressed:
        result["suppressions"] = [{"kind": "inSource", "justification": finding.suppressed}]
    return result


def to_sarif(gate: GateResult, root: Path) -> dict:
    findings = gate.findings
    rules = _rules(findings)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "ispyb-schema", "version": __version__,
                                "informationUri": "https://github.com/ispyb/ispyb-schema",
                                "rules": rules}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}},
            "results": [_result(f, index, root) for f in findings],
        }],
    }
