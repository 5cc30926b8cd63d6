CREATE TABLE event (id int PRIMARY KEY, session_id bigint, token text, flags int[], ok integer DEFAULT 1, big bigint);
