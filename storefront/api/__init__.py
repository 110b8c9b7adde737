"""A store's JSON API (django-ninja): public catalog reads and the seller API behind per-store tokens."""
