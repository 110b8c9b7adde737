"""Production overrides: no debug, secrets from the environment, HTTPS everywhere."""

from django.core.exceptions import ImproperlyConfigured

from . import *  # noqa: F403
from . import (
    BASE_DOMAIN,
    MEDIA_ORIGINS,
    SITE_PORT,
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
if not STRIPE_SECRET_KEY or not STRIPE_WEBHOOK_SECRET:
    raise ImproperlyConfigured(
        "Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (production talks to Stripe, never to the local sandbox)."
    )
# Rebuilt for HTTPS and Stripe itself, which the base settings could not know about.
SECURE_CSP = content_security_policy(
    scheme=SITE_SCHEME, base_domain=BASE_DOMAIN, port=SITE_PORT, stripe_pages=STRIPE_HOSTED_PAGES
)
SECURE_CSP["img-src"] = [*SECURE_CSP["img-src"], *MEDIA_ORIGINS]  # pictures from the media bucket (docs/media.md)

# --- Logs (docs/observability.md) ------------------------------------------------------------------------------

# JSON lines, each with its request id, host and store schema, for the log collector; one line per request.
LOG_FORMAT = env("MERCATO_LOG_FORMAT", "json")
LOG_REQUESTS = env_bool("MERCATO_LOG_REQUESTS", True)
LOGGING = logging_config(LOG_FORMAT, env("MERCATO_LOG_LEVEL", "INFO"))
