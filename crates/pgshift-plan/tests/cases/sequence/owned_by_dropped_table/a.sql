CREATE TABLE invoice (id int PRIMARY KEY, number bigint NOT NULL);
CREATE SEQUENCE invoice_number_seq START 1000 OWNED BY invoice.number;
ALTER TABLE invoice ALTER COLUMN number SET DEFAULT nextval('invoice_number_seq');
CREATE TABLE legacy (id serial PRIMARY KEY, code text);
CREATE SEQUENCE legacy_code_seq OWNED BY legacy.code;
CREATE TABLE kept (id int PRIMARY KEY);
