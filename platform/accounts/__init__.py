"""People who use Mercato: sellers, their staff and platform admins, signing in by email (public schema)."""
