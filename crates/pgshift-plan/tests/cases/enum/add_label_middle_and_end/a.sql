CREATE TYPE usagetype AS ENUM ('tts', 'stt'); CREATE TABLE usage (id int, kind usagetype NOT NULL DEFAULT 'tts');
