# SPDX-License-Identifier: LGPL-3.0-or-later
"""Online changes for big tables: the plan with each blocking ALTER of a big table replaced by
a ``pt-online-schema-change`` run (:mod:`.ptosc`), and its rehearsal on a scratch database
under concurrent writes (:mod:`.rehearse`)."""
