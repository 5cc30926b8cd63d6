CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE COLLATION "old C" (provider = libc, locale = 'C');
CREATE TABLE t (id int PRIMARY KEY, name text COLLATE ci, tag text COLLATE "old C");
CREATE INDEX t_tag ON t (tag);
