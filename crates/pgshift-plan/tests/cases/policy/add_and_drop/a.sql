CREATE TABLE t (owner text, v int); ALTER TABLE t ENABLE ROW LEVEL SECURITY; CREATE POLICY old_one ON t USING (owner = current_user);
