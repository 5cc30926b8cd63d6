CREATE TABLE document (id int, title text, slug text NOT NULL);
