CREATE TYPE old_status AS ENUM ('active', 'paused', 'gone');
CREATE TYPE new_status AS ENUM ('active', 'paused', 'gone', 'archived');
CREATE TABLE account (id int PRIMARY KEY, status old_status NOT NULL DEFAULT 'active', history old_status[]);
