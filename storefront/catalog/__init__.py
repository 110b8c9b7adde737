"""A store's catalog: the products it sells (tenant schema)."""
