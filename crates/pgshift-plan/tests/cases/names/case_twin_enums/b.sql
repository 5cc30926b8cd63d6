CREATE TYPE "SubscriptionStatus" AS ENUM ('Active', 'Paused', 'Cancelled'); CREATE TYPE subscriptionstatus AS ENUM ('paused', 'active'); CREATE TABLE s (a "SubscriptionStatus", b subscriptionstatus);
