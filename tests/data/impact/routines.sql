-- SPDX-License-Identifier: LGPL-3.0-or-later
-- Views, stored routines and triggers written for the embedded baseline (schema/), laid out
-- as `mariadb-dump --no-data --no-create-info --routines --triggers` writes them; the impact
-- analysis tests read it as a dump and load it into a scratch database.
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;

--
-- Final view structure for view `v_dc_summary`
--

/*!50001 DROP VIEW IF EXISTS `v_dc_summary`*/;
/*!50001 SET @saved_cs_client          = @@character_set_client */;
/*!50001 SET character_set_client      = utf8mb4 */;
/*!50001 CREATE ALGORITHM=UNDEFINED */
/*!50013 DEFINER=`ispyb_root`@`%` SQL SECURITY DEFINER */
/*!50001 VIEW `v_dc_summary` AS select `dc`.`dataCollectionId` AS `dataCollectionId`,`dc`.`imagePrefix` AS `imagePrefix`,`dc`.`numberOfImages` AS `numberOfImages`,`s`.`beamLineName` AS `beamLineName` from (`DataCollection` `dc` join `BLSession` `s` on(`s`.`sessionId` = `dc`.`SESSIONID`)) */;
/*!50001 SET character_set_client      = @saved_cs_client */;

--
-- Dumping routines for database 'ispyb'
--
/*!50003 DROP FUNCTION IF EXISTS `dc_image_count` */;
DELIMITER ;;
CREATE DEFINER=`ispyb_root`@`%` FUNCTION `dc_image_count`(p_groupId int) RETURNS int(11)
    READS SQL DATA
    COMMENT 'Images in the sweeps of a data collection group'
BEGIN
  DECLARE total INT;
  SELECT SUM(numberOfImages) INTO total
    FROM DataCollection
   WHERE dataCollectionGroupId = p_groupId;
  RETURN total;
END ;;
DELIMITER ;
/*!50003 DROP PROCEDURE IF EXISTS `retrieve_dc_main` */;
DELIMITER ;;
CREATE DEFINER=`ispyb_root`@`%` PROCEDURE `retrieve_dc_main`(IN p_id int unsigned)
    READS SQL DATA
    COMMENT 'The main fields of one data collection'
BEGIN
  SELECT dc.dataCollectionId, dc.imageDirectory,
         dc.imagePrefix, dc.numberOfImages
    FROM DataCollection dc
   WHERE dc.dataCollectionId = p_id;
END ;;
DELIMITER ;
/*!50003 DROP PROCEDURE IF EXISTS `update_container_samples_status` */;
DELIMITER ;;
CREATE DEFINER=`ispyb_root`@`%` PROCEDURE `update_container_samples_status`(IN p_containerId int unsigned, IN p_status varchar(20))
    MODIFIES SQL DATA
    COMMENT 'Sets the status of every sample in a container, one by one'
BEGIN
  DECLARE done INT DEFAULT 0;
  DECLARE v_id INT UNSIGNED;
  DECLARE samples CURSOR FOR
    SELECT blSampleId FROM BLSample WHERE containerId = p_containerId;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1;
  OPEN samples;
  sample_loop: LOOP
    FETCH samples INTO v_id;
    IF done THEN
      LEAVE sample_loop;
    END IF;
    UPDATE BLSample SET blSampleStatus = p_status WHERE blSampleId = v_id;
  END LOOP;
  CLOSE samples;
END ;;
DELIMITER ;

--
-- Dumping triggers for table `DataCollection`
--
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`ispyb_root`@`%`*/ /*!50003 TRIGGER `DataCollection_status_note` BEFORE UPDATE ON `DataCollection` FOR EACH ROW
BEGIN
  IF NEW.runStatus <> OLD.runStatus THEN
    SET NEW.comments = CONCAT(IFNULL(OLD.comments, ''), ' [status: ', NEW.runStatus, ']');
  END IF;
END */;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
