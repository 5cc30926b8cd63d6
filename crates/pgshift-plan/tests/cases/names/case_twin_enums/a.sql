CREATE TYPE "SubscriptionStatus" AS ENUM ('Active', 'Paused'); CREATE TYPE subscriptionstatus AS ENUM ('active', 'paused'); CREATE TABLE s (a "SubscriptionStatus", b subscriptionstatus);
