"""Mercato's settings: every setting is defined here once, read from the environment with a local default.

``platform.settings.production`` and ``platform.settings.test`` only override what differs.
"""

import os
from pathlib import Path
from typing import Any, overload

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from tenants.pods.config import alias_for, database_settings, pod_urls

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@overload
def env(name: str, default: str) -> str: ...
@overload
def env(name: str, default: None = None) -> str | None: ...
def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = env(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# --- Core -------------------------------------------------------------------------------------------------

# A development-only key; production refuses to start without MERCATO_SECRET_KEY (see production.py).
SECRET_KEY = env("MERCATO_SECRET_KEY", "django-insecure-local-development-key-not-for-production")
DEBUG = env_bool("MERCATO_DEBUG", True)

# The platform site's host. Stores answer on "<slug>.<BASE_DOMAIN>"; browsers resolve *.localhost to
# 127.0.0.1 by themselves, so the default needs no DNS set-up.
BASE_DOMAIN = env("MERCATO_BASE_DOMAIN", "localhost").lower()
# Verified custom domains can be any host, so the host check happens in the store routing middleware
# (unknown hosts get the "no such store" page); ALLOWED_HOSTS only narrows it when an operator wants to.
ALLOWED_HOSTS = env_list("MERCATO_ALLOWED_HOSTS", ["*"])
SITE_PORT = env("MERCATO_PORT", "8000")
SITE_SCHEME = env("MERCATO_SCHEME", "http")

SHARED_APPS = [
    "django_tenants",
    # First: loads the Celery app (platform/apps.py) before any other app's code can send a task.
    "platform.apps.PlatformConfig",
    "tenants",
    "tenants.fleet",
    "platform.accounts",
    "billing",
    "platform.directory",
    "platform.marketplace",
    "platform.buyers",
    "platform.unsent_tasks",
    "django.contrib.postgres",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    # Listed so the store API's /api/docs page serves the Swagger UI bundled with django-ninja instead of
    # loading it from a CDN (which an offline laptop or a strict network wouldn't reach).
    "ninja",
]
# Sessions and content types also live in every store schema: a store's sessions are then rows of that
# store alone, and a session id carried to another host finds nothing there.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "storefront.catalog",
    "storefront.api",
    "storefront.themes",
    "storefront.dashboard",
    "storefront.directory_feed",
    "storefront.cart",
    "storefront.checkout",
    "storefront.orders",
    "storefront.reviews",
    "storefront.inbox",
    "storefront.customers",
    "storefront.promotions",
    "storefront.sponsored",
    "storefront.payouts",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Store"
TENANT_DOMAIN_MODEL = "tenants.StoreDomain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "platform.urls_public"
ROOT_URLCONF = "platform.urls_tenant"
# Send `SET search_path` once per connection and tenant switch rather than before every query.
TENANT_LIMIT_SET_CALLS = True
# While a request or task serves a store on a pod, the platform's models go to the platform database
# (tenants/pods/routing.py); with no pod the first router has no opinion and django-tenants' decides alone.
DATABASE_ROUTERS = ["tenants.pods.routing.PodRouter", "django_tenants.routers.TenantSyncRouter"]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/account/"

MIDDLEWARE = [
    # Outermost, so that a failing database, Redis or broker anywhere below answers 503, never 500.
    "platform.outages.DependencyOutageMiddleware",
    "tenants.middleware.StoreRoutingMiddleware",
    # Before anything reads the query string or the body: NUL characters and unparseable bodies get a 400/413.
    "platform.kit.request_guard.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the page cache's fast path, so cached pages get the header too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A sponsored click's order reference (?sp=) kept in a cookie and taken off the address, before the page cache.
    "storefront.sponsored.middleware.SponsoredReferenceMiddleware",
    # A store's cached page for an anonymous GET, answered before sessions, CSRF and auth are looked at.
    "storefront.page_cache.CachedPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After routing (a store's language is its own setting), before anything renders a page or a message.
    "storefront.themes.language.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The nonce Django's admin templates put on their few inline scripts and styles.
                "django.template.context_processors.csp",
                "platform.context_processors.site",
                "storefront.themes.language.language_selector",
            ],
            # {% translate %} and {% blocktranslate %} in every template without a {% load i18n %} in each.
            "builtins": ["django.templatetags.i18n"],
        },
    },
]

WSGI_APPLICATION = "platform.wsgi.application"
ASGI_APPLICATION = "platform.asgi.application"

# --- Production form: the TLS proxy in front, connections (docs/deploy.md) ----------------------------------

# Addresses of the TLS proxy (Caddy) in front of the app server: the only clients whose X-Forwarded-Proto the
# app server trusts (`make serve` passes them to gunicorn's forwarded_allow_ips) and the only ones that may ask
# /internal/tls/ask whether a custom domain gets a certificate.
PROXY_ADDRESSES = env_list("MERCATO_PROXY_ADDRESSES", ["127.0.0.1", "::1"])

# --- Database ---------------------------------------------------------------------------------------------

DATABASE_URL = env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mercato")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True),
}
# django-tenants wraps the stock backend to manage search_path. No transaction-mode pooler may sit between
# Django and PostgreSQL: it would hand a connection's search_path to another client.
DATABASES["default"]["ENGINE"] = "tenants.postgresql_backend"
# Pods: more PostgreSQL databases holding store schemas, each the alias "pod_<name>" (docs/scaling.md, "Pods"),
# from MERCATO_POD_<NAME>_URL or the JSON file MERCATO_PODS_FILE. None configured: every store on "default".
for _pod_name, _pod_url in pod_urls().items():
    # The stubs type an entry as a TypedDict of Django's keys; dj_database_url's parse returns the same keys.
    DATABASES[alias_for(_pod_name)] = database_settings(_pod_url, engine=DATABASES["default"]["ENGINE"])  # type: ignore[assignment]
ORIGINAL_BACKEND = "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, Celery -----------------------------------------------------------------------------

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
# The longest a request waits on Redis (to connect, then for each reply). Healthy replies take a millisecond; past
# this the cache counts as down for a few seconds and pages are made without it (platform/kit/resilient_cache.py).
REDIS_TIMEOUT = float(env("MERCATO_REDIS_TIMEOUT", "0.25"))
# The same for publishing a task, and for the result backend it subscribes to (docs/reliability.md).
BROKER_TIMEOUT = float(env("MERCATO_BROKER_TIMEOUT", "0.5"))
CACHES = {
    "default": {
        "BACKEND": "platform.kit.resilient_cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        "KEY_PREFIX": env("MERCATO_CACHE_PREFIX", "mercato"),
        # Prefixes every key with the current schema, so one store's cached entry is never another's.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    },
    # Platform-wide entries that belong to no store (the host -> store routing table): plain keys, so reading
    # them never depends on, or switches, the connection's schema.
    "platform": {
        "BACKEND": "platform.kit.resilient_cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        "KEY_PREFIX": env("MERCATO_CACHE_PREFIX", "mercato") + ":platform",
    },
}
# Sessions are rows in PostgreSQL with a copy in Redis: without Redis they are read from the database, so an
# outage signs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# No SESSION_COOKIE_DOMAIN: each host keeps its own cookie, so a store's session never reaches another store.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = env("MERCATO_TASK_QUEUE", "mercato")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A down or hung broker must not hold a request: a publish waits at most BROKER_TIMEOUT, and a connection lost
# earlier is tried again once rather than for kombu's default four seconds. Publishes that must get through
# retry by their own policy (Celery's, or the beat's resend of platform.unsent_tasks); the worker's consumer
# reconnects by its own, and reads its queue only when its event loop says there is something to read.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": BROKER_TIMEOUT,
    "socket_timeout": BROKER_TIMEOUT,
    "max_retries": 0,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = BROKER_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = BROKER_TIMEOUT
CELERY_TASK_ALWAYS_EAGER = False
# Every periodic task, each also listed in docs/architecture.md ("Periodic tasks"); a test keeps the two equal.
CELERY_BEAT_SCHEDULE: dict = {
    # Signups refill the pool as they claim from it; this also rebuilds it after a deploy changes migrations.
    "refill-schema-pool": {"task": "tenants.refill_schema_pool", "schedule": 60.0},
    # Drains every store's directory outbox, catching changes whose own task was lost (Redis or worker down).
    "drain-directory-outboxes": {"task": "directory.dispatch_outbox_drains", "schedule": 30.0},
    # Sends the directory the products whose promotion started or ended since the last sweep, store by store.
    "feed-promotion-price-boundaries": {"task": "promotions.dispatch_price_boundaries", "schedule": 60.0},
    # Frees the stock of checkouts nobody paid for (expiring their Stripe sessions first), store by store.
    "release-expired-reservations": {"task": "orders.release_expired_reservations", "schedule": 60.0},
    # Sends every store's pending order emails, catching those whose own task was lost (Redis or worker down).
    "drain-order-email-outboxes": {"task": "orders.dispatch_order_email_drains", "schedule": 30.0},
    # Sends the task messages the broker could not take when their change committed (platform.unsent_tasks).
    "resend-unsent-tasks": {"task": "unsent_tasks.resend", "schedule": 30.0},
    # Gathers each store's orders, GMV, product count and schema size for the platform console (docs/console.md).
    "gather-store-stats": {"task": "tenants.dispatch_store_stats", "schedule": 3600.0},
    # Re-queues Stripe events stored while Redis was down, whose task was lost, or that failed with attempts left.
    "process-pending-stripe-events": {"task": "billing.process_pending_events", "schedule": 60.0},
    # Reports sponsored clicks whose own billing task was lost or failed to the stores' subscriptions.
    "bill-sponsored-clicks": {"task": "directory.bill_pending_sponsored_clicks", "schedule": 60.0},
    # Recomputes every store's reputation, so an order late by the clock alone or an event leaving the window shows.
    "refresh-store-reputations": {"task": "reviews.dispatch_reputation_refreshes", "schedule": 3600.0},
    # Suspends stores past due for longer than BILLING_GRACE_DAYS (dunning, docs/billing.md).
    "enforce-billing-grace-periods": {"task": "billing.enforce_grace_periods", "schedule": 3600.0},
}
# Task modules outside an app's tasks.py that the worker must know: the per-store stats task, the store archives.
CELERY_IMPORTS = ["storefront.stats", "tenants.archives.tasks", "tenants.console.tasks"]

# --- Passwords --------------------------------------------------------------------------------------------

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Static and media -------------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MERCATO_MEDIA_ROOT", str(BASE_DIR / ".var" / "media")))
# Files of each store go under MEDIA_ROOT/<schema name>/, so no two stores share a folder or a path.
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
# Store archives (exports and uploaded imports) hold a whole store's data: kept apart from media, never served.
STORE_ARCHIVE_ROOT = Path(env("MERCATO_STORE_ARCHIVE_ROOT", str(BASE_DIR / ".var" / "archives")))
# New orders one client may start per hour and store: each holds stock, unpaid, until its reservation expires.
CHECKOUT_NEW_ORDERS_PER_HOUR = int(env("MERCATO_CHECKOUT_NEW_ORDERS_PER_HOUR", "20"))
# How long after an order is sent the buyer may ask to return items.
ORDER_RETURN_WINDOW_DAYS = int(env("MERCATO_ORDER_RETURN_WINDOW_DAYS", "30"))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "tenants.storage.StoreMediaStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Internationalisation ---------------------------------------------------------------------------------

# The languages a store may offer its buyers and the platform site answers in (docs/storefront.md, "Languages").
# Each name is written in its own language: it is what the selector shows to someone who may not read the page's.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Per host, like every cookie here: a buyer's choice on one store never reaches another store.
LANGUAGE_COOKIE_NAME = "mercato_language"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Email ------------------------------------------------------------------------------------------------

# Mail is printed to the console until an operator configures a real mailer (production.py uses SMTP).
MAILERS: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": env("MERCATO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")}
}
if env("MERCATO_EMAIL_FILE_PATH"):  # the file-based backend writes each email to a file in this folder
    MAILERS["default"]["OPTIONS"] = {"file_path": env("MERCATO_EMAIL_FILE_PATH")}
DEFAULT_FROM_EMAIL = env("MERCATO_FROM_EMAIL", f"Mercato <no-reply@{BASE_DOMAIN}>")

# --- Logging ----------------------------------------------------------------------------------------------

# "plain" (the default, easy to read in a terminal) or "json" (one object per line, for a log collector; production's
# default). Either way each record knows the request id, host and store schema it was made under
# (platform.kit.request_ids); JSON lines show them. docs/observability.md.
LOG_FORMAT = env("MERCATO_LOG_FORMAT", "plain")
# One line per request (method, path, route, status, duration), for servers whose own access log lacks the request id.
LOG_REQUESTS = env_bool("MERCATO_LOG_REQUESTS", LOG_FORMAT == "json")


def logging_config(log_format: str, level: str) -> dict:
    if log_format not in ("plain", "json"):
        raise ImproperlyConfigured(f'MERCATO_LOG_FORMAT must be "plain" or "json", not {log_format!r}.')
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": "platform.kit.request_ids.RequestContextFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "json": {"()": "platform.kit.json_log.JsonFormatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["request_context"]}
        },
        "root": {"handlers": ["console"], "level": level},
        # The stripe SDK logs every request at INFO; its errors still come through.
        "loggers": {"django.db.backends": {"level": "WARNING"}, "stripe": {"level": "WARNING"}},
    }


LOGGING = logging_config(LOG_FORMAT, env("MERCATO_LOG_LEVEL", "INFO"))

if not DATABASES["default"].get("NAME"):
    raise ImproperlyConfigured("DATABASE_URL must name a database, e.g. postgres://user@host:5432/mercato")

# --- Stripe -----------------------------------------------------------------------------------------------

# Without a secret key Mercato talks to the local Stripe sandbox (tools/stripe_sandbox, started by `make run` and by
# the tests) through the same SDK calls; with one it talks to Stripe itself. Use test-mode keys first.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY")
STRIPE_SANDBOX_PORT = int(env("MERCATO_STRIPE_SANDBOX_PORT", "12121"))
STRIPE_API_BASE = env("STRIPE_API_BASE", f"http://127.0.0.1:{STRIPE_SANDBOX_PORT}")
STRIPE_WEBHOOK_SECRET = env(
    "STRIPE_WEBHOOK_SECRET", None if STRIPE_SECRET_KEY else "whsec_mercato_sandbox_local_development_only"
)

# The wallets Stripe Checkout offers beside cards for an order in a currency they take (storefront.orders.payments).
# Stripe also limits them by the platform account's country: list only those its payment method settings show.
STRIPE_CHECKOUT_WALLETS = [name.strip() for name in env("MERCATO_STRIPE_CHECKOUT_WALLETS", "alipay,wechat_pay").split(",")
                           if name.strip()]  # fmt: skip
if unknown_wallets := set(STRIPE_CHECKOUT_WALLETS) - {"alipay", "wechat_pay"}:
    raise ImproperlyConfigured(f"MERCATO_STRIPE_CHECKOUT_WALLETS names unknown wallets: {sorted(unknown_wallets)}")

# --- Content Security Policy ----------------------------------------------------------------------------


def content_security_policy(*, scheme: str, base_domain: str, port: str, stripe_pages: list[str]) -> dict:
    """The policy of every page Mercato serves (Django's CSP middleware writes it; production.py rebuilds it).

    Scripts, styles and requests come from the page's own host; pictures also from stores' hosts (the directory). Mercato's templates have no inline
    script, style or event handler (a store's colours and hero picture are its /store.css); Django's admin marks
    its few with the per-response nonce. Forms post to their own host, and a few answer with a redirect the browser
    must be allowed to follow: to a store's host (sign-up, "Open dashboard") and to Stripe's hosted pages (checkout,
    billing portal, Connect onboarding), which are the local sandbox's when no key is set.
    """
    port_suffix = "" if port in ("", "80", "443") else f":{port}"
    return {
        "default-src": [CSP.SELF],
        "script-src": [CSP.SELF, CSP.NONCE],
        "style-src": [CSP.SELF, CSP.NONCE],
        # The platform's directory shows each product's picture from its store's own host.
        "img-src": [CSP.SELF, "data:", f"{scheme}://*.{base_domain}{port_suffix}"],
        "font-src": [CSP.SELF],
        "connect-src": [CSP.SELF],
        "object-src": [CSP.NONE],
        "base-uri": [CSP.NONE],
        "frame-ancestors": [CSP.NONE],
        "form-action": [
            CSP.SELF,
            f"{scheme}://{base_domain}{port_suffix}",
            f"{scheme}://*.{base_domain}{port_suffix}",
            *stripe_pages,
        ],
    }


STRIPE_HOSTED_PAGES = ["https://checkout.stripe.com", "https://billing.stripe.com", "https://connect.stripe.com"]
SECURE_CSP = content_security_policy(
    scheme=SITE_SCHEME,
    base_domain=BASE_DOMAIN,
    port=SITE_PORT,
    stripe_pages=STRIPE_HOSTED_PAGES if STRIPE_SECRET_KEY else [STRIPE_API_BASE.rstrip("/")],
)

# --- Billing (plans and subscriptions, docs/billing.md) --------------------------------------------------

# How long a store may stay past due (its card failing) before its storefront is suspended.
BILLING_GRACE_DAYS = int(env("MERCATO_BILLING_GRACE_DAYS", "7"))
# How many attempts a Stripe event gets (its task's retries and the sweep's) before it is left failed.
BILLING_EVENT_MAX_ATTEMPTS = int(env("MERCATO_BILLING_EVENT_MAX_ATTEMPTS", "5"))
# Plan limits (products, staff seats, custom domains) are refused beyond the store's plan (billing.limits).
BILLING_ENFORCE_LIMITS = env_bool("MERCATO_BILLING_ENFORCE_LIMITS", True)

# --- Stores -----------------------------------------------------------------------------------------------

# Empty migrated schemas kept ready so that a signup gets its store in milliseconds (tenants.schema_pool).
SCHEMA_POOL_SIZE = int(env("MERCATO_SCHEMA_POOL_SIZE", "3"))
# Fleet migrations (manage.py migrate_stores, docs/scaling.md): how long a store's migration waits for a lock on
# its tables before it is left for a later retry, and how many schemas are migrated at once (one connection each).
FLEET_LOCK_TIMEOUT = env("MERCATO_FLEET_LOCK_TIMEOUT", "3s")
FLEET_WORKERS = int(env("MERCATO_FLEET_WORKERS", "2"))
# Anonymous storefront pages are served from Redis until the store's content changes (storefront.page_cache).
STOREFRONT_PAGE_CACHE = env_bool("MERCATO_PAGE_CACHE", True)
# Each worker process also answers the cached pages it has seen from its own copy, with no Redis round trip; a
# change still reaches every worker at once while Redis answers, but with Redis hung a worker can't tell, and may
# answer a page a change has outdated for a moment (docs/performance.md). Off: every hit asks Redis.
STOREFRONT_PAGE_COPY = env_bool("MERCATO_PAGE_COPY", False)
# How long a closed store's data is kept before a platform admin may purge it.
STORE_CLOSED_GRACE_DAYS = int(env("MERCATO_STORE_CLOSED_GRACE_DAYS", "30"))
STORE_INVITATION_DAYS = 7
# Hosts whose address is fixed for custom-domain verification (host=ip,...); useful behind split DNS.
DOMAIN_VERIFICATION_RESOLVE = dict(item.split("=", 1) for item in env_list("MERCATO_DOMAIN_VERIFICATION_RESOLVE", []))
DOMAIN_VERIFICATION_PORT = int(env("MERCATO_DOMAIN_VERIFICATION_PORT", "80"))

# --- Observability: request ids, metrics, error reporting (docs/observability.md) ------------------------------

# Outermost, before the outage middleware: every response, a 503 included, carries its X-Request-ID and is counted.
MIDDLEWARE = [
    "platform.kit.request_ids.RequestIdMiddleware",
    "platform.observability.metrics.RequestMetricsMiddleware",
    *MIDDLEWARE,
]
# Where every web and worker process writes its counters for /metrics to merge (prometheus_client's multiprocess
# mode). Whatever starts the processes empties it first (tools/run.py does), or old counts add to the new ones.
METRICS_FOLDER = env("PROMETHEUS_MULTIPROC_DIR", str(BASE_DIR / ".var" / "metrics"))
# /metrics answers a request with "Authorization: Bearer <token>", or one made directly (not through the proxy)
# from these networks.
METRICS_TOKEN = env("MERCATO_METRICS_TOKEN")
METRICS_ALLOWED_NETWORKS = env_list("MERCATO_METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"])

# Error reporting is off unless SENTRY_DSN is set. No personal data is sent: no cookies, user ids, IP addresses or
# request bodies (send_default_pii=False).
SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env(
            "SENTRY_ENVIRONMENT",
            "production"
            if os.environ.get("DJANGO_SETTINGS_MODULE") == "platform.settings.production"
            else "development",
        ),
        release=env("SENTRY_RELEASE"),
        send_default_pii=False,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=float(env("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )

# --- Media on S3-compatible storage (docs/media.md) -----------------------------------------------------------

# With a bucket named, uploads go to S3 (AWS, MinIO, Ceph, R2...) under <prefix>/<schema name>/ instead of
# MEDIA_ROOT. Credentials come the usual boto3 way: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the machine's role.
MEDIA_S3_BUCKET = env("MERCATO_MEDIA_S3_BUCKET")
# Where pages load pictures from besides their own host, for the Content-Security-Policy (production.py adds it too).
MEDIA_ORIGINS: list[str] = []
if MEDIA_S3_BUCKET:
    MEDIA_HOST = env("MERCATO_MEDIA_HOST")  # a CDN or media domain in front of the bucket, e.g. media.example-cdn.net
    MEDIA_S3_ENDPOINT_URL = env("MERCATO_MEDIA_S3_ENDPOINT_URL")
    if MEDIA_HOST:
        MEDIA_ORIGINS = [f"https://{MEDIA_HOST}"]
    elif MEDIA_S3_ENDPOINT_URL:  # links name the endpoint, then the bucket in the path
        MEDIA_ORIGINS = [MEDIA_S3_ENDPOINT_URL.rstrip("/")]
    else:  # AWS: the bucket's own host, global or regional
        MEDIA_ORIGINS = [f"https://{MEDIA_S3_BUCKET}.s3.amazonaws.com"]
        if env("MERCATO_MEDIA_S3_REGION"):
            MEDIA_ORIGINS.append(f"https://{MEDIA_S3_BUCKET}.s3.{env('MERCATO_MEDIA_S3_REGION')}.amazonaws.com")
    STORAGES["default"] = {
        "BACKEND": "tenants.s3_storage.StoreS3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": MEDIA_S3_ENDPOINT_URL,
            "region_name": env("MERCATO_MEDIA_S3_REGION"),
            "location": env("MERCATO_MEDIA_S3_PREFIX", ""),
            "custom_domain": MEDIA_HOST,
            # A private bucket is read through signed, expiring links; a public media host needs none.
            "querystring_auth": env_bool("MERCATO_MEDIA_S3_SIGNED_URLS", not MEDIA_HOST),
            "file_overwrite": False,
            "default_acl": None,
            "object_parameters": {"CacheControl": "public, max-age=86400"},
        },
    }
    SECURE_CSP["img-src"] = [*SECURE_CSP["img-src"], *MEDIA_ORIGINS]
