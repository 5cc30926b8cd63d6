CREATE TABLE t (id int, status text DEFAULT 'b', created timestamptz DEFAULT now());
