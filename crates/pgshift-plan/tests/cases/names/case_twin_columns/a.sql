CREATE TABLE t ("Name" text, name text);
