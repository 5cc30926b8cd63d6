CREATE TABLE t (id int, amount bigint); CREATE MATERIALIZED VIEW m AS SELECT id, amount FROM t; CREATE UNIQUE INDEX m_id ON m (id); CREATE INDEX m_amount ON m (amount) WHERE amount > 0;
