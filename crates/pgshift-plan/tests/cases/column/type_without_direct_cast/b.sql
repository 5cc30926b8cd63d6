CREATE TABLE event (id int PRIMARY KEY, session_id uuid, token uuid, flags text[], ok boolean DEFAULT true, big numeric(20,0));
