CREATE TABLE t (id int, status text DEFAULT 'a', created timestamptz);
