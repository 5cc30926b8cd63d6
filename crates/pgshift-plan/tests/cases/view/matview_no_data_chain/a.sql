CREATE TABLE visit (id int PRIMARY KEY, patient int NOT NULL, at date NOT NULL);
CREATE MATERIALIZED VIEW patient_visits AS SELECT patient, count(*) AS n FROM visit GROUP BY patient WITH NO DATA;
CREATE UNIQUE INDEX patient_visits_patient ON patient_visits (patient);
CREATE MATERIALIZED VIEW patient_states AS SELECT patient, n > 1 AS is_returning FROM patient_visits WITH NO DATA;
CREATE MATERIALIZED VIEW facility_states AS SELECT count(*) FILTER (WHERE is_returning) AS is_returning FROM patient_states WITH NO DATA;
