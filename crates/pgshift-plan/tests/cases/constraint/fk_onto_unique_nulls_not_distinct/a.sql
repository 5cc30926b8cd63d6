CREATE TABLE a (code text, CONSTRAINT a_code_key UNIQUE (code)); CREATE TABLE b (code text REFERENCES a (code) ON DELETE CASCADE);
