# SPDX-License-Identifier: LGPL-3.0-or-later
"""The review site: view-model (viewmodel.py) → Markdown pages (build.py) → mkdocs (publish.py)."""
