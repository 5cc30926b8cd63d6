-- pgshift revision: a11ce0000002
-- parents: a11ce0000001
-- message: add the team plan

-- up: no transaction
ALTER TYPE public.plan ADD VALUE IF NOT EXISTS 'team';

-- down
SELECT 1;
