CREATE TYPE subscriptionstatus AS ENUM ('active'); CREATE TYPE "SubscriptionStatus" AS ENUM ('ACTIVE');
