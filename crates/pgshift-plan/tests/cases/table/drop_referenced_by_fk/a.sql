CREATE TABLE parent (id int PRIMARY KEY); CREATE TABLE child (id int, parent_id int REFERENCES parent); CREATE TABLE other (p int CONSTRAINT other_p_fkey REFERENCES parent ON DELETE CASCADE);
