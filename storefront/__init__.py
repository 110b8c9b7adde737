"""Everything inside one store's schema: one Django app per domain (catalog, ...)."""
