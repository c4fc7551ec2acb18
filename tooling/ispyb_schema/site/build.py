# SPDX-License-Identifier: LGPL-3.0-or-later
"""SiteModel → the generated Markdown pages of the review site (``docs/generated/``).

Pages are rendered in memory first, then written only where their content changed, and stale
pages are removed: a live preview does not loop on its own writes, and a rebuild is cheap.
"""
from __future__ import annotations

import json

from collections import Counter
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..changeset import proposal_schema_text
from .flavours import flavour_pages
from .markup import natural_key, soft, cell, code, inline, slug
from .proposalview import ProposalView, next_agenda, proposal_view, summaries
from .tableview import column_anchor, table_views
from .viewmodel import STATUSES, SiteModel

GENERATED = "generated"
LICENCE_FILE = "LICENSE.LGPL.txt"
BROWSERS = {"baseline": "baseline", "accepted": "with accepted proposals"}


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True, autoescape=False)
    env.filters.update(cell=cell, code=code, soft=soft, inline=inline, slug=slug, anchor=column_anchor,
                       id_attr=lambda anchor: "{#" + anchor + "}")
    return env


def _status_counts(model: SiteModel) -> str:
    counts = Counter(p.status for p in model.proposals)
    order = [s for s in STATUSES if counts[s]] + sorted(set(counts) - set(STATUSES))
    total = len(model.proposals)
    return f"{total} proposal{'s' * (total != 1)}: " + ", ".join(f"{counts[s]} {s}" for s in order)


def _contributors(model: SiteModel) -> list[tuple[str, list[tuple[str, list[tuple[str, str]]]]]]:
    """Affiliation → author → the proposals they wrote, all sorted by name."""
    people: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for page in model.proposals:
        for author in page.authors:
            people.setdefault(author.affiliation, {}).setdefault(author.name, []).append(
                (page.id, slug(page.id)))
    return [(aff, sorted(names.items(), key=lambda i: i[0].casefold()))
            for aff, names in sorted(people.items(), key=lambda i: i[0].casefold())]


def _touched_by(views: list[ProposalView]) -> dict[str, list[str]]:
    """Table name (before or after) → the ids of the proposals that touch it."""
    touched: dict[str, list[str]] = {}
    for view in views:
        for change in view.tables:
            for name in sorted({change.name, change.old_name or change.name}):
                touched.setdefault(name, []).append(view.summary.page.id)
    return touched


def render_pages(model: SiteModel) -> dict[str, str]:
    """Every generated file, by its path below ``docs/generated/``."""
    env = _environment()
    board = summaries(model)
    agenda = next_agenda(model)
    counts = _status_counts(model)
    pages = {
        "home.md": env.get_template("home.md.j2").render(
            agenda=agenda, board=board, counts=counts, baseline_label=model.baseline_label,
            generated_at=model.generated_at),
        "proposals/index.md": env.get_template("proposals_index.md.j2").render(
            board=board, counts=counts),
        "contributors.md": env.get_template("contributors.md.j2").render(
            contributors=_contributors(model),
            licence_file=LICENCE_FILE if model.licence_text else None),
    }
    if model.licence_text:
        pages[LICENCE_FILE] = model.licence_text
    pages.update(_format_pages(env, proposal_schema_text()))
    proposal_template = env.get_template("proposal.md.j2")
    views = [proposal_view(model, s, agenda) for s in board]
    for view in views:
        pages[f"proposals/{view.summary.slug}.md"] = proposal_template.render(view=view)
    pages.update(_browser_pages(env, model, _touched_by(views)))
    pages.update(flavour_pages(model.flavours))
    return pages


def _format_pages(env: Environment, text: str) -> dict[str, str]:
    """The proposal format: the JSON Schema as published, and a page describing it."""
    schema = json.loads(text)
    metadata = [(key, cell(prop.get("description", "")))
                for key, prop in schema["properties"].items() if key != "steps"]
    steps = [(name.removeprefix("step_"), cell(spec.get("description", "")))
             for name, spec in schema["$defs"].items() if name.startswith("step_")]
    return {"proposal.schema.json": text,
            "format.md": env.get_template("format.md.j2").render(metadata=metadata, steps=steps)}


def _browser_pages(env: Environment, model: SiteModel,
                   touched: dict[str, list[str]]) -> dict[str, str]:
    schemas = {"baseline": model.baseline, "accepted": model.accepted}
    intros = {
        "baseline": f"Every table of the baseline ({model.baseline_label}), as it is today.",
        "accepted": "Every table as it will be once the accepted proposals are applied." + (
            "" if any(p.status == "accepted" for p in model.proposals) else
            " No proposal is accepted yet, so this is the baseline as it is."),
    }
    index, table = env.get_template("schema_index.md.j2"), env.get_template("table.md.j2")
    pages = {}
    for key, schema in schemas.items():
        other = "accepted" if key == "baseline" else "baseline"
        views = table_views(schema, model.baseline if key == "accepted" else None, touched)
        removed = sorted(set(model.baseline.table_names()) - set(schema.table_names()),
                         key=natural_key)
        pages[f"schema/{key}/index.md"] = index.render(
            title=f"Schema browser: {BROWSERS[key]}", intro=intros[key], views=views,
            changed=[v for v in views if v.change], removed=removed)
        for view in views:
            in_other = schemas[other].table(view.table.name) is not None
            pages[f"schema/{key}/{view.slug}.md"] = table.render(
                view=view, label=f"Schema browser: {BROWSERS[key]}",
                other=other if in_other else None, other_label=BROWSERS[other])
    return pages


def write_tree(pages: dict[str, str], root: Path) -> int:
    """Write ``pages`` below ``root`` where changed, delete every other file; returns how many
    files were written."""
    written = 0
    for relative, text in pages.items():
        path = root / relative
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written += 1
    wanted = {root / relative for relative in pages}
    for path in sorted(root.rglob("*"), reverse=True) if root.exists() else ():
        if path.is_file() and path not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return written


def build_docs(model: SiteModel, docs_dir: Path) -> int:
    """Render the site's pages into ``docs_dir/generated``; returns how many files changed."""
    return write_tree(render_pages(model), docs_dir / GENERATED)
