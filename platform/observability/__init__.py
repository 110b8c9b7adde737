"""What operators watch: Prometheus metrics of the web and worker processes (docs/observability.md)."""
