CREATE SCHEMA old; CREATE TABLE old.t (id int); CREATE VIEW old.v AS SELECT id FROM old.t; CREATE TYPE old.e AS ENUM ('a'); CREATE TABLE keep (id int);
