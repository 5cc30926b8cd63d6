CREATE TABLE t (id int, g int); CREATE MATERIALIZED VIEW m AS SELECT g, count(*) AS n, max(id) AS top FROM t GROUP BY g; CREATE UNIQUE INDEX m_g ON m (g);
