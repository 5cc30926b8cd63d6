INSERT INTO s VALUES ('Active', 'paused');
