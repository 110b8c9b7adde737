"""The shared kernel: small helpers every package may import; it imports only Django, Celery and the standard library."""
