INSERT INTO r_eu VALUES (1, 'eu'), (2, 'eu');
