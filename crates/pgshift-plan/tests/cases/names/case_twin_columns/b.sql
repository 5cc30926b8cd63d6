CREATE TABLE t ("Name" varchar(20), name text NOT NULL DEFAULT '', "NAME" int); CREATE INDEX "t_Name" ON t ("Name"); CREATE INDEX t_name ON t (name);
