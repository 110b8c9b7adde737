"""A store's whole data as a file: export, import into a new store, and purge of closed stores."""
