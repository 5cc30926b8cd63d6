INSERT INTO redaction VALUES (1, NULL, 'first'), (2, 'kept', 'second');
