"""Fleet migrations: every store schema brought to the current tenant migrations in seconds, resumably."""
