# SPDX-License-Identifier: LGPL-3.0-or-later
"""The MariaDB fixtures (mariadb_server, scratch_db) come from the ispyb_schema pytest plugin."""
pytest_plugins = ["pytester"]
