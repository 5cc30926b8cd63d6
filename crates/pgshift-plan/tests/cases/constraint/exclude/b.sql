CREATE EXTENSION IF NOT EXISTS btree_gist; CREATE TABLE r (room int, during tstzrange, CONSTRAINT r_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&));
