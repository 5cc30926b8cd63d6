CREATE TABLE t (email text, deleted boolean); CREATE UNIQUE INDEX "Email Live" ON t (lower(email)) WHERE NOT deleted; CREATE INDEX t_inc ON t (email) INCLUDE (deleted);
