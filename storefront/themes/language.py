"""Which language a page is in: a store's own choice (its default, or one it offers that the buyer picked), the
platform site's from the browser; and the view behind the language selector on both."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, QueryDict
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tenants.connection import connection

LANGUAGE_NAMES = dict(settings.LANGUAGES)
# The query parameter that names a store page's language in its address (``/products/mug/?lang=zh-hans``): each
# language of a page has an address of its own, which search engines need for hreflang and per-language sitemaps.
LANGUAGE_PARAMETER = "lang"
# A year: a buyer's choice outlives their visit, like a currency or theme preference would.
COOKIE_SECONDS = 365 * 24 * 3600
# A store's JSON API (storefront/api/): programs name their language with Accept-Language, and its answers are
# never page-cached, so there the header counts (after ``?lang=`` and the cookie).
API_PATH_PREFIX = "/api/"


def supported(code: str | None) -> str | None:
    """``code`` as one of the platform's language codes ("zh-hans" for "zh-Hans"), or None."""
    if not code:
        return None
    lowered = code.strip().lower()
    return lowered if lowered in LANGUAGE_NAMES else None


def _on_platform_site() -> bool:
    return connection.schema_name == "public"


def offered_languages() -> list[str]:
    """The languages the current page may be shown in: every one on the platform site, the store's otherwise
    (its default first)."""
    if _on_platform_site():
        return list(LANGUAGE_NAMES)
    from .selectors import store_profile  # the profile's module reads this one's names for its choices

    return store_profile().offered_languages()


def language_for(request: HttpRequest) -> str:
    """The language to answer ``request`` in.

    A store answers in the language its address names (``?lang=``, one it offers), else in its default language
    unless the buyer picked another it offers (the cookie); a store's pages never guess from Accept-Language, so one
    URL always shows one language to a cookie-less visitor and the page cache stays simple. Its JSON API does
    follow Accept-Language, after those two. The platform site follows the cookie, then the browser's
    Accept-Language.
    """
    chosen = supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    offered = offered_languages()
    if _on_platform_site():
        if chosen:
            return chosen
        return translation.get_language_from_request(request, check_path=False)
    named = supported(request.GET.get(LANGUAGE_PARAMETER))
    if named in offered:
        return named
    if chosen in offered:
        return chosen
    if _is_api(request):
        return _accepted(request, offered) or offered[0]
    return offered[0]


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PATH_PREFIX)


def _accepted(request: HttpRequest, offered: list[str]) -> str | None:
    """The first of ``offered`` the request's Accept-Language takes, by its weights ("zh-CN" is "zh-hans")."""
    for code, _weight in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            break
        try:
            variant = translation.get_supported_language_variant(code)
        except LookupError:
            continue
        if variant in offered:
            return variant
    return None


def address_in_language(path: str, language: str, *, default: str) -> str:
    """``path`` as the address of its page in ``language``: the path itself for the store's default language."""
    return path if language == default else f"{path}?{urlencode({LANGUAGE_PARAMETER: language})}"


def without_language_parameter(request: HttpRequest, path: str) -> str:
    """``path`` (the page the buyer was on) without its ``?lang=``, which would outrank the language just picked."""
    base, _, query = path.partition("?")
    if not query:
        return path
    params = QueryDict(query, mutable=True)
    params.pop(LANGUAGE_PARAMETER, None)
    return f"{base}?{params.urlencode()}" if params else base


class LanguageMiddleware:
    """Activates the page's language for the rest of the request (after routing has picked the schema)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        follows_browser = _on_platform_site() or _is_api(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie") if follows_browser else ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


def _same_origin(request: HttpRequest) -> bool:
    source = request.headers.get("Origin") or request.headers.get("Referer")
    return not source or url_has_allowed_host_and_scheme(source, allowed_hosts={request.get_host()})


# Store pages are served from the anonymous page cache, so the selector's form carries no CSRF token. Switching
# language changes nothing but a cookie on this host; a cross-site POST is refused by its Origin all the same.
@csrf_exempt
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Remember the buyer's language in a cookie on this host and go back to the page they were on."""
    if not _same_origin(request):
        return HttpResponseBadRequest(gettext("Change the language from this site's own pages."))
    code = supported(request.POST.get("language"))
    if code is None or code not in offered_languages():
        return HttpResponseBadRequest(gettext("This site isn't offered in that language."))
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    back = without_language_parameter(request, back)
    response = HttpResponseRedirect(back)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=COOKIE_SECONDS, samesite="Lax", secure=request.is_secure()
    )
    return response


def language_selector(request: HttpRequest) -> dict[str, object]:
    """Template context for the selector: the offered languages, named in their own language, and the current one."""
    current = translation.get_language()
    offered = offered_languages() if getattr(request, "LANGUAGE_CODE", None) else [current]
    return {
        "current_language": current,
        "language_choices": [(code, LANGUAGE_NAMES[code]) for code in offered],
    }


def language_alternates(request: HttpRequest, offered: list[str]) -> dict[str, object]:
    """Template context for a store page's addresses per language: its canonical address (in the page's own
    language) and, when the store offers more than one, the hreflang alternates, the default also as x-default."""
    default, current = offered[0], translation.get_language()
    absolute = request.build_absolute_uri(request.path)
    alternates = [(code, address_in_language(absolute, code, default=default)) for code in offered]
    if len(offered) > 1:
        alternates.append(("x-default", absolute))
    return {
        "canonical_url": address_in_language(absolute, current, default=default) if current in offered else absolute,
        "language_alternates": alternates if len(offered) > 1 else [],
    }
