"""Property-based tests of the store API: schemathesis sends generated requests to every operation of a store's
/api/openapi.json on the live server, anonymously and with an API token of each scope.

No answer may be a server error (5xx), and every answer must be one the document declares: its status code, its
content type, its headers and its body's schema. Generation is derandomized with a fixed seed, so every run sends
the same requests and a failure it reports can be replayed (docs/testing.md).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
import requests
import schemathesis
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core import NotSet

from storefront.api.api import api as store_api
from storefront.api.auth import SCOPES_EXTENSION
from storefront.api.scopes import ALL_SCOPES

pytestmark = pytest.mark.slow

SLUG = "fuzzed"
SEED = 20_261_206
# Generated examples per operation in the fuzzing phase; the coverage phase adds its own fixed set of boundary and
# wrong-type values for every parameter and field. Together they keep the test near a minute on CI's machine.
MAX_EXAMPLES = 12
CHECK_NAMES = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
]
ANONYMOUS = "anonymous"
EVERY_SCOPE = "every scope"
REVOKE_TOKEN = "DELETE /api/seller/tokens/{token_id}"

# Input PostgreSQL cannot take, drawn now and then for any text or whole number a request carries, valid or not.
HOSTILE_TEXT = ["\x00", "tent\x00", "\x00\x00' OR 1=1 --"]
HUGE_NUMBERS = [2**63 - 1, 2**63, 314264503845334569798204391424, -(2**63) - 1, 2**31]

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "suppress-health-check": ["all"],
        "dictionaries": {"hostile-text": {"values": HOSTILE_TEXT}, "huge-numbers": {"values": HUGE_NUMBERS}},
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            # The test sends the tokens, one kind of caller at a time; a generated Authorization header would not.
            "with-security-parameters": False,
            "dictionaries": {
                "string": {"dictionary": "hostile-text", "probability": 0.2},
                "integer": {"dictionary": "huge-numbers", "probability": 0.2},
            },
        },
        "phases": {
            # Methods an operation does not declare are Django's 405 before any of the API runs.
            "coverage": {"unexpected-methods": []},
            "stateful": {"enabled": False},
        },
        "request-timeout": 30,
    }
)
# The document every store serves at /api/openapi.json (one API for all stores; the last test checks that the
# live server serves this very document), read at collection so that each operation is a test of its own.
DOCUMENT = json.loads(json.dumps(store_api.get_openapi_schema(path_prefix="/api/")))
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


@dataclass
class Run:
    host: str
    url: str
    tokens: dict[str, str | None]
    token_ids: set[str]
    spare_token_id: int
    # Requests sent, by operation, caller, phase, generation mode and status answered.
    tally: Counter = field(default_factory=Counter)
    swept: set[tuple[str, str]] = field(default_factory=set)
    made_hostile: set[str] = field(default_factory=set)


@pytest.fixture(scope="module")
def run(request, live_server_url, django_db_blocker) -> Iterator[Run]:
    """A store of its own, so what the generated requests change or delete is no other test's data: products, a
    collection, shipping, a paid order and a token per scope. Purged afterwards."""
    from storefront.api.services import create_api_token
    from storefront.catalog.services import OptionSpec, VariantSpec, create_collection, create_product
    from storefront.checkout.models import ShippingRate, ShippingZone
    from tenants.services import provision_store, purge_store
    from tests.storefront.reviews.support import make_order

    with django_db_blocker.unblock():
        store = provision_store(name="Fuzzed Goods", slug=SLUG)
        with schema_context(store.schema_name):
            mug = create_product(title="Fuzz Mug", price=Decimal("12.00"), stock=50, track_inventory=True)
            shirt = create_product(
                title="Fuzz Shirt",
                tags=["apparel"],
                options=[OptionSpec("Size")],
                variants=[VariantSpec(sku=f"FUZZ-{size}", price="20.00", options=[size], stock=9) for size in "SML"],
            )
            create_collection(title="Everything", products=[mug, shirt])
            zone = ShippingZone.objects.create(name="Everywhere", countries=["US", "CA"], tax_rate=Decimal("5"))
            ShippingRate.objects.create(zone=zone, name="Standard", kind="flat", price=Decimal("4.00"))
            made = {scope: create_api_token(name=scope, scopes=[scope]) for scope in ALL_SCOPES}
            made[EVERY_SCOPE] = create_api_token(name=EVERY_SCOPE, scopes=ALL_SCOPES)
            spare = create_api_token(name="spare", scopes=ALL_SCOPES)
        make_order(store, [mug], status="paid")
        connection.set_schema_to_public()
    state = Run(
        host=f"{SLUG}.{settings.BASE_DOMAIN}",
        url=f"http://127.0.0.1:{live_server_url}",
        tokens={ANONYMOUS: None, **{name: token.secret for name, token in made.items()}},
        token_ids={str(token.token.pk) for token in made.values()},
        spare_token_id=spare.token.pk,
    )
    yield state
    _report(request, state.tally)
    with django_db_blocker.unblock():
        purge_store(store=store)
        connection.set_schema_to_public()
    from platform.celery import app

    # Thumbnails, directory updates and CSV jobs the requests queued belong to a store that is gone now.
    app.control.purge()


def _report(request, tally: Counter) -> None:
    """One line after the run: what was sent and what came back."""
    if not tally:
        return
    by: dict[str, Counter] = {"phase": Counter(), "mode": Counter(), "status": Counter()}
    for (_, _, phase, mode, status), count in tally.items():
        by["phase"][phase] += count
        by["mode"][mode] += count
        by["status"][status] += count
    operations = {operation for operation, *_ in tally}
    callers = {caller for _, caller, *_ in tally}
    server_errors = sum(count for status, count in by["status"].items() if status >= 500)

    def spelled(counter: Counter) -> str:
        return ", ".join(f"{key} {count}" for key, count in sorted(counter.items()))

    line = (
        f"schemathesis: {len(operations)} operations x {len(callers)} kinds of caller, "
        f"{sum(by['status'].values())} requests ({spelled(by['phase'])}; {spelled(by['mode'])}); "
        f"statuses: {spelled(by['status'])}; server errors: {server_errors}"
    )
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        request.config.pluginmanager.get_plugin("terminalreporter").write_line(line)


def _checks() -> list:
    load_all_checks()
    return CHECKS.get_by_names(CHECK_NAMES)


def _accepted_caller(case) -> str:
    """The narrowest caller the operation lets through: anyone, the token of its scope, or one with every scope."""
    needed = case.operation.definition.raw.get(SCOPES_EXTENSION)
    if not needed:
        return ANONYMOUS
    return needed[0] if len(needed) == 1 else EVERY_SCOPE


TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "object": dict, "array": list}


def _resolved(schema: dict | None) -> dict:
    schema = schema or {}
    while "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _fits(value: object, schema: dict) -> bool:
    kind = schema.get("type")
    if kind == "null":
        return value is None
    if kind == "integer" and isinstance(value, str):
        return value.isascii() and value.isdigit()  # path and query values go out as text
    return kind in TYPES and isinstance(value, TYPES[kind]) and not (kind != "boolean" and isinstance(value, bool))


def _hostile(value: object, schema: dict | None, *, text: bool) -> object:
    """``value`` with each free text field ending in a NUL character (``text``), or each whole number that has no
    documented maximum pushed past bigint; enums, formats and bounded numbers keep their valid values."""
    schema = _resolved(schema)
    for branch in schema.get("anyOf", []):
        if _fits(value, _resolved(branch)):
            return _hostile(value, branch, text=text)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        return {key: _hostile(item, properties.get(key), text=text) for key, item in value.items()}
    if isinstance(value, list):
        return [_hostile(item, schema.get("items"), text=text) for item in value]
    constrained = {"enum", "const", "format", "pattern"} & schema.keys()
    if text and isinstance(value, str) and schema.get("type") == "string" and not constrained:
        return value[:-1] + "\x00" if value else "\x00"
    if not text and _fits(value, {"type": "integer"}) and schema.get("type") == "integer" and "maximum" not in schema:
        return type(value)(2**63)
    return value


def _hostile_case(case, *, text: bool):
    """The same request with input PostgreSQL cannot take in every field that may carry it."""
    definition = case.operation.definition.raw
    parameters = {(item["in"], item["name"]): item.get("schema") for item in definition.get("parameters", [])}

    def located(values: dict, where: str) -> dict:
        return {name: _hostile(value, parameters.get((where, name)), text=text) for name, value in values.items()}

    body = case.body
    if not isinstance(body, NotSet):
        content = definition.get("requestBody", {}).get("content", {})
        body = _hostile(body, content.get(case.media_type, {}).get("schema"), text=text)
    return case.operation.Case(
        path_parameters=located(case.path_parameters or {}, "path"),
        query=located(case.query or {}, "query"),
        body=body,
        headers=dict(case.headers or {}),
        media_type=case.media_type,
        multipart_content_types=case.multipart_content_types,
    )


def _send(case, run: Run, caller: str, phase: str = "") -> int:
    headers = {"Host": run.host}
    if run.tokens[caller]:
        headers["Authorization"] = f"Bearer {run.tokens[caller]}"
    response = case.call(base_url=run.url, headers=headers)
    if case.meta:
        phase, mode = case.meta.phase.name.value, case.meta.generation.mode.value
    else:
        mode = "positive"
    run.tally[(case.operation.label, caller, phase, mode, response.status_code)] += 1
    case.validate_response(response, checks=_checks(), headers=headers)
    return response.status_code


@schema.parametrize()
@hypothesis_settings(deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_every_answer_as_documented(case, run):
    label = case.operation.label
    if label == REVOKE_TOKEN and str(case.path_parameters.get("token_id")) in run.token_ids:
        # Revoking a token the run calls with would leave every later operation answering 401 to it.
        case.path_parameters["token_id"] = run.spare_token_id
    accepted = _accepted_caller(case)
    # The first case of an operation goes out once as each kind of caller (a refusal, 401 or 403, does not
    # depend on the data); every case then goes out as the caller the operation accepts.
    for caller in [name for name in run.tokens if name != accepted and (label, name) not in run.swept]:
        run.swept.add((label, caller))
        _send(case, run, caller)
    status = _send(case, run, accepted)
    if status < 300 and label not in run.made_hostile:
        # The first case the operation accepted goes out twice more, so that no text field and no unbounded number
        # is left to chance: with NUL in all its free text, and with all such numbers past bigint.
        run.made_hostile.add(label)
        for text in (True, False):
            _send(_hostile_case(case, text=text), run, accepted, phase="hostile")


def test_the_document_tested_is_the_one_served(run):
    served = requests.get(f"{run.url}/api/openapi.json", headers={"Host": run.host}, timeout=30)
    assert served.json() == DOCUMENT
