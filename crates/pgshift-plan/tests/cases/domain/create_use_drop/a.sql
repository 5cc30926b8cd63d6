CREATE DOMAIN old_d AS text; CREATE TABLE t (a old_d, b int);
