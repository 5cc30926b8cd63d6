CREATE TYPE prio AS ENUM ('low', 'high', 'mid'); CREATE TABLE task (id int, p prio); CREATE VIEW urgent AS SELECT id FROM task WHERE p = 'high';
