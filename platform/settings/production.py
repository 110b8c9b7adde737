"""Production overrides: no debug, secrets from the environment, HTTPS everywhere."""

from django.core.exceptions import ImproperlyConfigured

from . import *  # noqa: F403
from . import (
    BASE_DOMAIN,
    DATABASES,
    MEDIA_ORIGINS,
    MEDIA_URL,
    SITE_PORT,
    STRIPE_API_BASE,
    STRIPE_HOSTED_PAGES,
    content_security_policy,
    env,
    env_bool,
    env_list,
    logging_config,
)

DEBUG = False
SECRET_KEY = env("MERCATO_SECRET_KEY", "")
if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set MERCATO_SECRET_KEY to a random string of at least 50 characters.")

SITE_SCHEME = "https"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("MERCATO_SSL_REDIRECT", True)
# Asked over plain HTTP straight at the app server, by the TLS proxy (/internal/, which the proxy never relays from
# outside) and by load-balancer probes; a redirect to HTTPS would read as "no".
SECURE_REDIRECT_EXEMPT = [r"^internal/", r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(env("MERCATO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env_list("MERCATO_CSRF_TRUSTED_ORIGINS", [f"https://*.{BASE_DOMAIN}", f"https://{BASE_DOMAIN}"])
X_FRAME_OPTIONS = "DENY"
MAILERS = {
    "default": {
        "BACKEND": env("MERCATO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {
            "host": env("MERCATO_SMTP_HOST", "localhost"),
            "port": int(env("MERCATO_SMTP_PORT", "587")),
            "username": env("MERCATO_SMTP_USER", ""),
            "password": env("MERCATO_SMTP_PASSWORD", ""),
            "use_tls": env_bool("MERCATO_SMTP_TLS", True),
            "timeout": 10,
        },
    }
}

STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
# `make serve` runs the production form on a laptop against the local Stripe sandbox; a real deployment never sets
# this, and then production talks to Stripe itself.
LOCAL_STRIPE_SANDBOX = env_bool("MERCATO_LOCAL_STRIPE_SANDBOX", False)
if not LOCAL_STRIPE_SANDBOX and (not STRIPE_SECRET_KEY or not STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured(
        "Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (production talks to Stripe, never to the local sandbox)."
    )
# Rebuilt for HTTPS and Stripe itself, which the base settings could not know about.
SECURE_CSP = content_security_policy(
    scheme=SITE_SCHEME,
    base_domain=BASE_DOMAIN,
    port=SITE_PORT,
    stripe_pages=[STRIPE_API_BASE.rstrip("/")] if LOCAL_STRIPE_SANDBOX else STRIPE_HOSTED_PAGES,
)
SECURE_CSP["img-src"] = [*SECURE_CSP["img-src"], *MEDIA_ORIGINS]  # pictures from the media bucket (docs/media.md)

# --- Logs (docs/observability.md) ------------------------------------------------------------------------------

# JSON lines, each with its request id, host and store schema, for the log collector; one line per request.
LOG_FORMAT = env("MERCATO_LOG_FORMAT", "json")
LOG_REQUESTS = env_bool("MERCATO_LOG_REQUESTS", True)
LOGGING = logging_config(LOG_FORMAT, env("MERCATO_LOG_LEVEL", "INFO"))

# --- Production form: the TLS proxy, the media host, connections (docs/deploy.md) -------------------------

# Uploads are served by the proxy from their own host, never a store's or a subdomain of BASE_DOMAIN: a file a
# seller uploaded (an SVG, an HTML file named .jpg) must not run as a page of a store or of the platform, nor set
# cookies for the base domain (Django's security docs, "User-uploaded content").
MEDIA_URL = env("MERCATO_MEDIA_URL", MEDIA_URL)
if MEDIA_URL.startswith(("http://", "https://")):
    _media_host = MEDIA_URL.split("://", 1)[1].split("/", 1)[0].split(":")[0].lower()
    if _media_host == BASE_DOMAIN or _media_host.endswith("." + BASE_DOMAIN):
        raise ImproperlyConfigured(
            f"MERCATO_MEDIA_URL must be on a host of its own, not {_media_host} under {BASE_DOMAIN} (docs/deploy.md)."
        )
    if not MEDIA_URL.endswith("/"):
        MEDIA_URL += "/"
    # Pages show product pictures from the media host.
    SECURE_CSP["img-src"].append(MEDIA_URL.rstrip("/"))

# Each web thread and worker process keeps one PostgreSQL connection for CONN_MAX_AGE seconds (checked before
# reuse); PostgreSQL itself ends a connection idle for MERCATO_DB_IDLE_TIMEOUT, so a quiet thread holds none and
# the next request on it reconnects (and django-tenants sets its store's search_path again). 0 turns the server-
# side limit off, for a pooler that refuses startup options.
DATABASES["default"]["CONN_MAX_AGE"] = int(env("MERCATO_DB_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
_idle_timeout = int(env("MERCATO_DB_IDLE_TIMEOUT", "120"))
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"]["connect_timeout"] = int(env("MERCATO_DB_CONNECT_TIMEOUT", "5"))
# Names each process's connections in pg_stat_activity (web, worker, beat), for sizing and for the tests.
DATABASES["default"]["OPTIONS"]["application_name"] = env("MERCATO_DB_APPLICATION_NAME", "mercato")
if _idle_timeout:
    DATABASES["default"]["OPTIONS"]["options"] = f"-c idle_session_timeout={_idle_timeout * 1000}"
# Pods' connections (docs/scaling.md, "Pods") are kept and named the same way as the platform's.
for _alias, _pod in DATABASES.items():
    if _alias != "default":
        _pod["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
        _pod["CONN_HEALTH_CHECKS"] = True
        _pod["OPTIONS"] = {**_pod.get("OPTIONS", {}), **DATABASES["default"]["OPTIONS"]}
