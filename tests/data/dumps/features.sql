-- SPDX-License-Identifier: LGPL-3.0-or-later
/*M!999999\- enable the sandbox mode */ 
-- A small dump in mariadb-dump's layout, written for the importer tests: one of every
-- construct the importer maps, including a view with mariadb-dump's stand-in and wrappers.

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
DROP TABLE IF EXISTS `Parent`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `Parent` (
  `parentId` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `code` varchar(20) NOT NULL DEFAULT 'none',
  PRIMARY KEY (`parentId`),
  UNIQUE KEY `code` (`code`)
) ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8 COLLATE=utf8_general_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
DROP TABLE IF EXISTS `Sample`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `Sample` (
  `sampleId` int(11) unsigned NOT NULL AUTO_INCREMENT,
  `parentId` int(10) unsigned DEFAULT NULL COMMENT 'the parent''s id',
  `name` varchar(45) CHARACTER SET latin1 COLLATE latin1_swedish_ci NOT NULL DEFAULT '',
  `label` varchar(45) COLLATE utf8mb4_bin DEFAULT 'a\\b',
  `flag` tinyint(1) NOT NULL DEFAULT 0,
  `bits` bit(1) DEFAULT b'0',
  `dose` float unsigned DEFAULT NULL,
  `price` decimal(10,2) unsigned DEFAULT 1.50,
  `temperature` double DEFAULT -1.5,
  `kind` enum('it''s','<d"/sig>','back\\slash') NOT NULL DEFAULT 'it''s',
  `tags` set('a','b') DEFAULT 'a,b',
  `created` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  `measured` datetime(6) DEFAULT current_timestamp(6),
  `never` timestamp NOT NULL DEFAULT '0000-00-00 00:00:00',
  `owner` varchar(50) DEFAULT current_user(),
  `extra` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL COMMENT 'JSON' CHECK (json_valid(`extra`)),
  `notes` mediumtext /*M!100301 COMPRESSED*/ DEFAULT NULL,
  `twice` double GENERATED ALWAYS AS (`temperature` * 2) VIRTUAL,
  `stored` double GENERATED ALWAYS AS (`temperature` + 1) STORED,
  PRIMARY KEY (`sampleId` DESC),
  UNIQUE KEY `Sample_name` (`name`(10),`kind`),
  KEY `Sample_fk_parent` (`parentId`),
  KEY `Sample_created` (`created` DESC) COMMENT 'newest first',
  FULLTEXT KEY `Sample_label` (`label`),
  CONSTRAINT `Sample_fk_parent` FOREIGN KEY (`parentId`) REFERENCES `Parent` (`parentId`) ON DELETE SET NULL ON UPDATE CASCADE,
  CONSTRAINT `Sample_dose` CHECK (`dose` < 100)
) ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC COMMENT='A sample''s record';
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Temporary table structure for view `v_sample`
--

DROP TABLE IF EXISTS `v_sample`;
/*!50001 DROP VIEW IF EXISTS `v_sample`*/;
SET @saved_cs_client     = @@character_set_client;
SET character_set_client = utf8mb4;
/*!50001 CREATE VIEW `v_sample` AS SELECT
 1 AS `sampleId`,
  1 AS `name` */;
SET character_set_client = @saved_cs_client;

--
-- Final view structure for view `v_sample`
--

/*!50001 DROP VIEW IF EXISTS `v_sample`*/;
/*!50001 SET @saved_cs_client          = @@character_set_client */;
/*!50001 SET character_set_client      = utf8mb4 */;
/*!50001 CREATE ALGORITHM=MERGE */
/*!50013 DEFINER=`root`@`localhost` SQL SECURITY INVOKER */
/*!50001 VIEW `v_sample` AS select `Sample`.`sampleId` AS `sampleId`,`Sample`.`name` AS `name` from `Sample` where `Sample`.`flag` = 1 */;
/*!50001 SET character_set_client      = @saved_cs_client */;
/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
