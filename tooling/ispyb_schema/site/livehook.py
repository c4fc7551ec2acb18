# SPDX-License-Identifier: LGPL-3.0-or-later
"""mkdocs hook used by ``ispyb-schema site serve``: regenerate the pages before every rebuild,
so an edited proposal shows in the live preview. Unchanged pages are not rewritten, so the
rebuild does not trigger itself. mkdocs loads this file by path: absolute imports only."""
from __future__ import annotations

import os
from pathlib import Path

from ispyb_schema.config import find_project
from ispyb_schema.site.publish import generate_docs

BASELINE_ENV = "ISPYB_SCHEMA_SITE_BASELINE"  # set by `site serve --baseline`


def on_pre_build(config) -> None:
    project = find_project(Path(config.config_file_path).parent)
    generate_docs(project, os.environ.get(BASELINE_ENV) or project.baseline_source())
