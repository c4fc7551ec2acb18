# SPDX-License-Identifier: LGPL-3.0-or-later
"""Lint: what a proposal risks, rule by rule — data loss, data-dependent failures, table
rebuilds and locks, Galera, ISPyB conventions, views and routines, other proposals."""
