"""The platform admins' tools over stores: the store list and dashboard, audited actions, support view, stats."""
