CREATE TABLE plan (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tier text NOT NULL UNIQUE,
    price_cents integer NOT NULL CHECK (price_cents >= 0)
);

CREATE TABLE customer (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    plan_id bigint REFERENCES plan (id) ON DELETE SET NULL,
    status subscriptionstatus NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX customer_email_lower_idx ON customer (lower(email));
COMMENT ON TABLE customer IS 'who pays';

CREATE VIEW active_customer AS SELECT id, email FROM customer WHERE status = 'active';
