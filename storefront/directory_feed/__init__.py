"""A store's feed into the platform directory: an outbox of product changes, drained by a task."""
