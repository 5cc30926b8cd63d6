CREATE TYPE usagetype AS ENUM ('tts', 'llm', 'stt', 'ocr_tokens'); CREATE TABLE usage (id int, kind usagetype NOT NULL DEFAULT 'tts');
