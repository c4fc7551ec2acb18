# SPDX-License-Identifier: LGPL-3.0-or-later
"""How verify compares views: by name, options and output columns, never by text (the server
rewrites a view's SELECT into its own form)."""
from __future__ import annotations

from ispyb_schema.model import Schema, View
from ispyb_schema.verify.compare import view_columns, view_differences

SELECT = "SELECT dc.dataCollectionId, dc.startTime AS started FROM DataCollection dc"
SERVER_TEXT = ("select `dc`.`dataCollectionId` AS `dataCollectionId`,`dc`.`startTime` AS "
               "`started` from `DataCollection` `dc`")


def test_view_columns_are_the_output_names():
    assert view_columns(View("v", SELECT)) == ["dataCollectionId", "started"]
    assert view_columns(View("v", "SELECT * FROM DataCollection")) is None
    assert view_columns(View("v", "SELECT a FROM t UNION SELECT b FROM u")) == ["a"]


def test_equal_views_with_other_text_do_not_differ():
    columns = {"v": ["dataCollectionId", "started"]}
    assert view_differences(Schema((), (View("v", SELECT),)),
                            Schema((), (View("v", SERVER_TEXT),)), columns) == []


def test_view_differences_name_what_differs():
    expected = Schema((), (View("v", SELECT), View("gone", SELECT)))
    actual = Schema((), (View("v", SERVER_TEXT, security="INVOKER"), View("extra", SELECT)))
    assert view_differences(expected, actual, {"v": ["dataCollectionId", "startTime"]}) == [
        "- view gone (in the model, not on the server)",
        "+ view extra (on the server, not in the model)",
        "~ view v.security: 'DEFINER' -> 'INVOKER'",
        "~ view v columns: ['dataCollectionId', 'started'] -> ['dataCollectionId', 'startTime']",
    ]
