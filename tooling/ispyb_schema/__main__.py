# SPDX-License-Identifier: LGPL-3.0-or-later
"""``python -m ispyb_schema`` runs the command-line tool."""
from .cli.main import main

main()
