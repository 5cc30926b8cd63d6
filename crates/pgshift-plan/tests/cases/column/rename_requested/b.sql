CREATE TABLE t (id int, display_name text);
