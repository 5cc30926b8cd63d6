CREATE TYPE subscriptionstatus AS ENUM ('active', 'canceled'); CREATE TYPE "SubscriptionStatus" AS ENUM ('ACTIVE');
