CREATE SCHEMA app;
CREATE COLLATION app."Fr" (provider = icu, locale = 'fr-FR');
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
COMMENT ON COLLATION ci IS 'case-insensitive';
CREATE COLLATION app.posix (provider = libc, lc_collate = 'C', lc_ctype = 'POSIX');
CREATE TABLE t (id int PRIMARY KEY, name text COLLATE ci, tag text, label text COLLATE app."Fr");
CREATE INDEX t_tag ON t (tag);
CREATE TABLE app.u (v text COLLATE app.posix);
CREATE INDEX u_v_fr ON app.u (v COLLATE app."Fr");
