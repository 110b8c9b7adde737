"""Benchmarks, one script per performance target; see bench/README.md."""
