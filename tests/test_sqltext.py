# SPDX-License-Identifier: LGPL-3.0-or-later
"""The one SQL lexer shared by the script loader and the routines reader."""
from ispyb_schema.sqltext import blank_comments, split_statements

SCRIPT = """\
/*!40101 SET NAMES utf8 */;
-- a comment; with a delimiter in it
CREATE TABLE `a;b` (x int) COMMENT 'it''s; ok';
  DELIMITER ;;
CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END ;;
DELIMITER $$
CREATE FUNCTION f() RETURNS int RETURN 1$$
DELIMITER ;
/* only a comment */
SELECT 3
"""


def test_statements_follow_quotes_comments_and_delimiter_lines():
    assert list(split_statements(SCRIPT)) == [
        (1, "/*!40101 SET NAMES utf8 */"),
        (3, "CREATE TABLE `a;b` (x int) COMMENT 'it''s; ok'"),
        (5, "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END"),
        (7, "CREATE FUNCTION f() RETURNS int RETURN 1"),
        (10, "SELECT 3"),
    ]


def test_blanking_keeps_executable_content_and_every_position():
    text = "/*!50001 CREATE VIEW v AS select 1 */; -- x\n/* c */ select '/*'"
    blanked = blank_comments(text)
    assert len(blanked) == len(text) and blanked.count("\n") == text.count("\n")
    assert blanked.split() == ["CREATE", "VIEW", "v", "AS", "select", "1", ";", "select", "'/*'"]
