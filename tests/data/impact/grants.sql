-- SPDX-License-Identifier: LGPL-3.0-or-later
-- SHOW GRANTS output of three accounts of the embedded baseline's database, for the impact
-- analysis tests.
GRANT USAGE ON *.* TO `ispyb_web`@`%`;
GRANT SELECT ON `ispyb`.* TO `ispyb_web`@`%`;
GRANT SELECT (`dataCollectionId`, `imagePrefix`), UPDATE (`comments`) ON `ispyb`.`DataCollection` TO `ispyb_web`@`%`;
GRANT EXECUTE ON PROCEDURE `ispyb`.`retrieve_dc_main` TO `ispyb_web`@`%`;
GRANT SELECT, INSERT, UPDATE ON `ispyb`.`DataCollection` TO `ispyb_acq`@`%`;
GRANT SELECT, INSERT, DELETE ON `ispyb`.`ScreeningRank` TO `ispyb_acq`@`%`;
