CREATE EXTENSION IF NOT EXISTS btree_gist; CREATE TABLE r (room int, during tstzrange);
