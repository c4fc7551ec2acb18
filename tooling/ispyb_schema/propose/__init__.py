# SPDX-License-Identifier: LGPL-3.0-or-later
"""Proposals written by the tool: from the difference of two schemas (``diff``) and from
hand-written update scripts (``propose --from-sql``)."""
