CREATE TABLE person (id int PRIMARY KEY, avatar_id int);
CREATE TABLE image (id int PRIMARY KEY, owner_id int REFERENCES person);
ALTER TABLE person ADD CONSTRAINT person_avatar_id_fkey FOREIGN KEY (avatar_id) REFERENCES image DEFERRABLE INITIALLY DEFERRED;
CREATE TABLE node (id int PRIMARY KEY, parent_id int REFERENCES node);
CREATE TABLE kept (id int PRIMARY KEY);
