"""Pods: PostgreSQL databases beside the platform's, each holding some stores' schemas (docs/scaling.md)."""
