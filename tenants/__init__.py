"""The life of a store: Store, StoreDomain, provisioning and routing of hosts to stores (public schema)."""
