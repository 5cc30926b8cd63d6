CREATE TABLE t (v bigint CONSTRAINT pos CHECK (v > 0), w int); CREATE INDEX tv ON t (v) WHERE v > 10; CREATE UNIQUE INDEX tw ON t (w, v);
