CREATE TABLE t (tags text[]); CREATE INDEX ti ON t USING btree (tags);
