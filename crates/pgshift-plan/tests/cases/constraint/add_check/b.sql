CREATE TABLE document (id int, title text, CONSTRAINT title_len CHECK (length(title) <= 500));
