"""A store's own stylesheet, /store.css: its colours and hero picture, so its pages need no inline style (CSP)."""

import hashlib
import re

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from .models import StoreProfile
from .selectors import store_profile

_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_DEFAULTS = {"primary_colour": "#1d2330", "accent_colour": "#3355ff"}


def brand_css(profile: StoreProfile) -> str:
    """The CSS of a store's own choices, on top of its theme's stylesheet."""
    # Checked again here, although the model validates them: a value written around the validation must not be
    # able to end the rule and add its own.
    brand, accent = (
        value if _HEX_COLOUR.fullmatch(value or "") else _DEFAULTS[name]
        for name, value in (("primary_colour", profile.primary_colour), ("accent_colour", profile.accent_colour))
    )
    rules = [f":root {{ --brand: {brand}; --accent: {accent}; }}"]
    if profile.hero_image:
        rules.append(f'.hero-full {{ background-image: url("{_css_string(profile.hero_image.url)}"); }}')
    return "\n".join(rules) + "\n"


def brand_css_url(profile: StoreProfile) -> str:
    """/store.css with a hash of its content, so browsers keep it until the seller changes something."""
    return f"/store.css?v={_version(brand_css(profile))}"


@require_GET
def stylesheet(request: HttpRequest) -> HttpResponse:
    css = brand_css(store_profile())
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    # An address with the current hash may be kept for good; any other (an old page) gets today's file, unkept.
    current = request.GET.get("v") == _version(css)
    response["Cache-Control"] = "public, max-age=31536000, immutable" if current else "no-cache"
    return response


def _version(css: str) -> str:
    return hashlib.sha256(css.encode()).hexdigest()[:12]


def _css_string(value: str) -> str:
    """``value`` inside a double-quoted CSS string: quotes, backslashes and line breaks escaped."""
    return "".join(f"\\{ord(char):x} " if char in '"\\\n\r\f' or ord(char) < 32 else char for char in value)
