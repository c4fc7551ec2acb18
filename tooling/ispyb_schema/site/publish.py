# SPDX-License-Identifier: LGPL-3.0-or-later
"""The review site end to end: collect the project → write the pages → ``mkdocs build``."""
from __future__ import annotations

import logging
from pathlib import Path

from ..baseline import load_schema
from ..config import Project
from ..errors import EnvironmentProblem, IspybSchemaError
from .build import build_docs
from .collect import collect_site
from .viewmodel import SiteModel

CONFIG = "mkdocs.yml"


class SiteBuildFailed(IspybSchemaError):
    """mkdocs refused the generated pages (in strict mode: a warning, e.g. a broken link)."""


class _Collect(logging.Handler):
    """Keeps mkdocs' warnings, to report them with the failure."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname}: {record.getMessage()}")


def generate_docs(project: Project, baseline_source: str) -> int:
    """Write the generated pages for ``project``; returns how many files changed."""
    return build_docs(collect(project, baseline_source), project.site / "docs")


def collect(project: Project, baseline_source: str, record: dict | None = None) -> SiteModel:
    """Every proposal validated, planned and linted against the baseline, with its
    verification (``record``, or the newest matching one in results/), as the view-model."""
    model = collect_site(project, load_schema(baseline_source), baseline_source, record=record)
    flavours = project.flavour_sources()
    if not flavours:
        return model
    from dataclasses import replace

    from .flavours import collect_flavours

    files = [project.proposals / f"{p.id}.yaml" for p in model.proposals]
    return replace(model, flavours=collect_flavours(flavours, model.baseline,
                                                    model.baseline_label, files))


def run_mkdocs(site: Path, strict: bool = True) -> Path:
    """``mkdocs build`` of ``site/mkdocs.yml``; returns the built site's folder."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    config_file = site / CONFIG
    if not config_file.is_file():
        raise EnvironmentProblem(f"{config_file} is missing: the review site's mkdocs config")
    logger, warnings = logging.getLogger("mkdocs"), _Collect()
    logger.addHandler(warnings)
    try:
        config = load_config(config_file=str(config_file), strict=strict)
        build(config)
    except MkDocsException as err:
        details = "".join(f"\n  {m}" for m in warnings.messages)
        raise SiteBuildFailed(f"mkdocs build of {config_file} failed: {err}{details}") from None
    finally:
        logger.removeHandler(warnings)
    return Path(config.site_dir)


def build_site(project: Project, baseline_source: str, strict: bool = True) -> Path:
    """Collect, generate and build the review site; returns the folder holding index.html."""
    generate_docs(project, baseline_source)
    return run_mkdocs(project.site, strict)
