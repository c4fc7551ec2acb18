# SPDX-License-Identifier: LGPL-3.0-or-later
"""ispyb-schema: propose, test and review changes to the ISPyB MariaDB schema."""

__version__ = "0.1.0"
