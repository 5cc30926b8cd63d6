CREATE TABLE t (tags text[]); CREATE INDEX ti ON t USING gin (tags); COMMENT ON INDEX ti IS 'gin';
