CREATE TABLE sale (id int PRIMARY KEY, amount int NOT NULL);
CREATE MATERIALIZED VIEW totals AS SELECT sum(amount) AS total FROM sale;
CREATE MATERIALIZED VIEW pending AS SELECT count(*) AS n FROM sale WITH NO DATA;
CREATE VIEW totals_view AS SELECT total FROM totals;
