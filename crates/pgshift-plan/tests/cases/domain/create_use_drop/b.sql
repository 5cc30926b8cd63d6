CREATE DOMAIN "Positive" AS int CHECK (VALUE > 0); CREATE TABLE t (b "Positive");
