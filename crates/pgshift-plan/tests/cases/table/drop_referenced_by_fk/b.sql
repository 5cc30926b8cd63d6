CREATE TABLE child (id int, parent_id int); CREATE TABLE other (p int);
