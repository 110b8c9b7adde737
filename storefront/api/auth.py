"""The seller API's token check: a live token of this store (401 otherwise) holding the endpoint's scopes (403)."""

from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError
from ninja.security import HttpBearer

from .models import ApiToken
from .schemas import ErrorOut
from .scopes import lacking_message, ordered, scopes_for
from .services import authenticate_api_token

# The OpenAPI extension that lists the scopes an endpoint needs, beside its security requirement.
SCOPES_EXTENSION = "x-token-scopes"


class StoreToken(HttpBearer):
    """Authorization: Bearer mct_…; with ``required_scopes``, a token missing any of them gets 403."""

    def __init__(self, *required_scopes: str) -> None:
        super().__init__()
        self.required_scopes = tuple(required_scopes)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = authenticate_api_token(secret=token)
        if api_token is None:
            return None
        missing = [scope for scope in self.required_scopes if scope not in api_token.scopes]
        if missing:
            # The token is known, so this is a refusal (403), not a failed sign-in (401).
            raise HttpError(403, lacking_message(missing))
        return api_token


def require_scopes(router: Router, *, prefix: str, read: str, write: str) -> None:
    """Give every endpoint of ``router`` (mounted at ``prefix``) the token check for its scopes, and document them.

    Runs once, in api.py, before the API builds its URLs: each operation gets its own token check carrying the
    scopes it needs (``scopes.scopes_for``), so an endpoint added later is scoped without anyone remembering to.
    """
    base = "/" + prefix.strip("/")
    for path, path_view in router.path_operations.items():
        full_path = base + "/" + path.lstrip("/")
        for operation in path_view.operations:
            needed = ordered(
                scope for method in operation.methods for scope in scopes_for(method, full_path, read=read, write=write)
            )
            check = StoreToken(*needed)
            # An explicit per-operation auth wins over the router's when ninja binds the router to the API.
            operation.auth_param = check
            operation._set_auth(check)
            names = " and ".join(f"`{scope}`" for scope in needed)
            note = f"Needs an API token with the {names} scope{'s' if len(needed) > 1 else ''}."
            operation.description = f"{operation.description}\n\n{note}" if operation.description else note
            # In the description for people, and in an extension for programs; the security requirement keeps
            # ninja's plain {"StoreToken": []}, since OpenAPI reserves scope lists there for OAuth schemes.
            operation.openapi_extra = {**(operation.openapi_extra or {}), SCOPES_EXTENSION: needed}
            # The check answers 401 (no live token of this store) or 403 (a token without the scope) itself.
            for status in (401, 403):
                operation.response_models.setdefault(status, operation._create_response_model(ErrorOut))
