"""Money from sellers to the platform: plans and subscriptions (public schema)."""
