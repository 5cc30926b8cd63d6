CREATE TYPE old_status AS ENUM ('active', 'paused', 'gone');
CREATE TYPE new_status AS ENUM ('active', 'paused', 'gone', 'archived');
CREATE TABLE account (id int PRIMARY KEY, status new_status NOT NULL DEFAULT 'paused', history new_status[]);
