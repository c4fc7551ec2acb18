# SPDX-License-Identifier: LGPL-3.0-or-later
"""What a verification reports its progress to (see :mod:`ispyb_schema.progress`)."""
from ..progress import Display, Progress

__all__ = ["Display", "Progress"]
