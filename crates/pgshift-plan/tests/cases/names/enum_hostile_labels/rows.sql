INSERT INTO "T" VALUES ('it''s'), ('back\slash'), ('ünï');
