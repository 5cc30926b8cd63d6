CREATE TABLE a (id int, code text, CONSTRAINT a_code_key UNIQUE (code, id)); CREATE TABLE b (code text, id int, FOREIGN KEY (code, id) REFERENCES a (code, id));
