# Mercato's everyday commands. `make run` and `make test` set everything up on first use.
# `make serve`: the production form (Caddy with HTTPS, gunicorn, worker, beat), docs/deploy.md.
.PHONY: run serve test lint types format setup bench

ARGS ?=

setup:
	@tools/bootstrap

run: setup
	@.venv/bin/python -m tools.run

serve: setup
	@.venv/bin/python -m tools.serve

test: setup
	@.venv/bin/python -m tools.test $(ARGS)

lint: setup
	@.venv/bin/ruff check . && .venv/bin/ruff format --check .

types: setup
	@.venv/bin/python -m mypy

format: setup
	@.venv/bin/ruff format . && .venv/bin/ruff check --fix .
