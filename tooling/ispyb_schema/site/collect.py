# SPDX-License-Identifier: LGPL-3.0-or-later
"""The project → a SiteModel. The only module of the site that knows the changeset API."""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..config import Project
from ..errors import EnvironmentProblem
from ..model import Schema
from .viewmodel import ProposalPage, SiteModel


def describe_source(source: str, root: Path) -> str:
    """The baseline's origin as readers may see it: relative to the project, no password."""
    if "://" in source:
        parts = urlsplit(source)
        host = parts.hostname or ""
        netloc = f"{parts.username}@{host}" if parts.username else host
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    path = Path(source).resolve()
    return str(path.relative_to(root)) if path.is_relative_to(root) else path.name


def next_meeting(meetings: tuple[str, ...], today: date) -> str | None:
    """The first meeting (ISO date) on or after ``today``."""
    upcoming = sorted(m for m in meetings if m >= today.isoformat())
    return upcoming[0] if upcoming else None


def proposal_pages(project: Project, baseline: Schema, today: date) -> tuple[ProposalPage, ...]:
    files = sorted(project.proposals.glob("*.yaml")) if project.proposals.is_dir() else []
    if files:
        raise EnvironmentProblem(
            f"{len(files)} proposal(s) in {project.proposals}, but this version cannot read "
            "changesets yet (ispyb_schema.changeset has no loader)")
    return ()


def collect_site(project: Project, baseline: Schema, baseline_source: str,
                 today: date | None = None) -> SiteModel:
    today = today or date.today()
    pages = proposal_pages(project, baseline, today)
    licence = project.root / "LICENSE.LGPL"
    return SiteModel(
        baseline=baseline,
        accepted=baseline,
        proposals=pages,
        baseline_label=describe_source(baseline_source, project.root),
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        licence_text=licence.read_text(encoding="utf-8") if licence.is_file() else "",
    )
