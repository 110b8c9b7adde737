"""django-tenants' PostgreSQL backend, sending a store switch's ``SET search_path`` with the next query."""
