CREATE SCHEMA "App Data"; CREATE SCHEMA "select"; CREATE TABLE "App Data"."T" (id int PRIMARY KEY); CREATE TABLE "select".t (id int);
