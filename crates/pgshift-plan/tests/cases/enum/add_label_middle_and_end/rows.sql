INSERT INTO usage VALUES (1, 'stt'), (2, 'tts');
