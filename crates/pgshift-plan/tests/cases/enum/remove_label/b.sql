CREATE TYPE status AS ENUM ('active', 'done'); CREATE TABLE job (id int, s status DEFAULT 'active', hist status[]);
