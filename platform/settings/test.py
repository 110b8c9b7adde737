"""Test overrides: a fast password hasher and a task queue of the test run's own."""

import os

from . import *  # noqa: F403

# Argon2 is deliberately slow; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A queue and cache prefix per run keep a developer's running worker away from the test worker's tasks.
# They are written back to the environment so the worker and server processes a test starts inherit them.
CELERY_TASK_DEFAULT_QUEUE = os.environ.setdefault("MERCATO_TASK_QUEUE", f"mercato-test-{os.getpid()}")
CACHES["default"]["KEY_PREFIX"] = os.environ.setdefault("MERCATO_CACHE_PREFIX", f"mercato-test-{os.getpid()}")  # noqa: F405
CACHES["platform"]["KEY_PREFIX"] = f"{CACHES['default']['KEY_PREFIX']}:platform"  # noqa: F405
# Separate test databases (and media folders) let two test runs share one PostgreSQL server.
TEST_DATABASE_NAME = os.environ.get("MERCATO_TEST_DATABASE", "test_mercato")
DATABASES["default"]["TEST"] = {"NAME": TEST_DATABASE_NAME}  # noqa: F405
MEDIA_ROOT = BASE_DIR / ".var" / "test-media" / TEST_DATABASE_NAME  # noqa: F405
STORE_ARCHIVE_ROOT = BASE_DIR / ".var" / "test-archives" / TEST_DATABASE_NAME  # noqa: F405
# Tests fill the schema pool themselves; a worker topping it up in the background would race with them.
SCHEMA_POOL_SIZE = 0
# A developer's real Stripe key must never reach the tests: they use the local sandbox the suite starts.
STRIPE_SECRET_KEY = None
# Most tests use the session stores freely (dozens of products, staff, domains) on the Free plan; billing's own
# tests switch plan limits on with their `limits_on` fixture.
BILLING_ENFORCE_LIMITS = False
# Each run counts its metrics in a folder of its own test database's (emptied when the run starts, tests/conftest.py);
# the worker and servers it starts inherit it.
METRICS_FOLDER = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    str(BASE_DIR / ".var" / "test-metrics" / TEST_DATABASE_NAME),  # noqa: F405
)
# The pods the `pods` tests start (tests/pods.py) are written to this file, which the worker and servers the tests
# start also read when a store names a pod they don't know yet (tenants/pods/config.py).
POD_CONFIG_FILE = os.environ.setdefault(
    "MERCATO_PODS_FILE",
    str(BASE_DIR / ".var" / "test-pods" / TEST_DATABASE_NAME / "pods.json"),  # noqa: F405
)
