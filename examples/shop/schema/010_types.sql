-- Sample desired schema: a small shop. Files load in file-name order.
CREATE TYPE subscriptionstatus AS ENUM ('active', 'canceled', 'past_due');
