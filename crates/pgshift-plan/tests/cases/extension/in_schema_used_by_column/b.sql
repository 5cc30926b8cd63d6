CREATE SCHEMA ext; CREATE EXTENSION IF NOT EXISTS citext SCHEMA ext; CREATE TABLE t (id int, email ext.citext);
