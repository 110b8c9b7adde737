"""Request ids: kept from the proxy when safe, made otherwise, returned, on every log line and carried into tasks."""

import io
import json
import logging
import re

import pytest
import requests

from platform.kit.json_log import JsonFormatter
from platform.kit.request_ids import REQUEST_ID_HEADER, TASK_HEADER, RequestContextFilter
from tests.conftest import child_env, host_of, make_user, wait_for_email
from tests.faults import start_web_server
from tests.support import WAIT_TIMEOUT, stop_process, wait_until

GENERATED = re.compile(r"[0-9a-f]{32}")


def test_a_request_without_an_id_gets_a_new_one_in_its_response(client, store_a):
    first = client.get("/", HTTP_HOST=host_of(store_a))[REQUEST_ID_HEADER]
    second = client.get("/", HTTP_HOST="localhost")[REQUEST_ID_HEADER]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


def test_a_valid_id_from_the_proxy_is_kept(client, store_a):
    for given in ("0f8e4a9c-77d1-4b8e-9a51-3c2b1d0e9f11", "edge.node-3:000123", "A" * 128):
        response = client.get("/", HTTP_HOST=host_of(store_a), HTTP_X_REQUEST_ID=given)
        assert response[REQUEST_ID_HEADER] == given


@pytest.mark.parametrize(
    "given",
    ["short", "A" * 129, "has space 12345", "line\nforged: yes", 'quote"12345678', "caf\u00e9-1234567", "<script>1234"],
)
def test_an_invalid_id_from_the_client_is_replaced(client, store_a, given):
    response = client.get("/", HTTP_HOST=host_of(store_a), HTTP_X_REQUEST_ID=given)
    assert response.status_code == 200
    assert GENERATED.fullmatch(response[REQUEST_ID_HEADER])


def test_every_log_line_of_a_request_carries_its_id_host_and_store_schema(client, store_a, settings):
    """With the JSON format, the lines a request logs (here: its one request line) name the request and the store."""
    settings.LOG_REQUESTS = True
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        response = client.get("/products/", HTTP_HOST=host_of(store_a), HTTP_X_REQUEST_ID="trace-0000000001")
        outside = client.get("/", HTTP_HOST="localhost")
        logging.getLogger("mercato.test").warning("after the requests")
    finally:
        root.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    request_lines = [line for line in lines if line["logger"] == "mercato.request"]
    assert [
        (line["request_id"], line["host"], line["schema"], line["view"], line["status"]) for line in request_lines
    ] == [
        ("trace-0000000001", "alpha.localhost", "store_alpha", "storefront-products", 200),
        (outside[REQUEST_ID_HEADER], "localhost", "public", "platform-home", 200),
    ]
    assert response.status_code == 200
    assert lines[-1]["message"] == "after the requests" and lines[-1]["request_id"] is None


def test_the_tasks_a_request_enqueues_carry_its_id(client, store_a, owner_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/contact/",
            {"name": "Robin", "email": "robin@example.com", "subject": "Sizes", "message": "Does it fit two?"},
            HTTP_HOST=host_of(store_a), HTTP_X_REQUEST_ID="contact-req-42424242",
        )  # fmt: skip
    assert response.status_code == 302 and response[REQUEST_ID_HEADER] == "contact-req-42424242"
    assert len(callbacks) == 1
    assert callbacks[0].keywords["headers"] == {"_schema_name": "public", TASK_HEADER: "contact-req-42424242"}


@pytest.fixture
def reset_user(committed):
    """A committed account (the server and the worker are other processes), removed afterwards."""
    user = make_user("reset-trace@example.com")
    yield user
    user.delete()


def _json_lines(path) -> list[dict]:
    lines = []
    for raw in path.read_text().splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def test_the_id_is_in_the_json_log_of_the_web_request_and_of_the_task_it_enqueued(reset_user, celery_worker, tmp_path):
    """Real processes: gunicorn logging JSON sends the reset email's task to the real worker, which logs JSON too."""
    log = tmp_path / "web.log"
    server, url = start_web_server(child_env(MERCATO_LOG_FORMAT="json"), log)
    try:
        browser = requests.Session()
        form = browser.get(f"{url}/password-reset/", headers={"Host": "localhost"}, timeout=WAIT_TIMEOUT)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        sent = browser.post(
            f"{url}/password-reset/", data={"csrfmiddlewaretoken": token, "email": reset_user.email},
            headers={"Host": "localhost", REQUEST_ID_HEADER: "reset-trace-7e57"}, allow_redirects=False,
            timeout=WAIT_TIMEOUT,
        )  # fmt: skip
        assert (sent.status_code, sent.headers[REQUEST_ID_HEADER]) == (302, "reset-trace-7e57")
        wait_for_email(celery_worker, to=reset_user.email, subject="password")

        web = wait_until(
            lambda: [line for line in _json_lines(log) if line.get("request_id") == "reset-trace-7e57"],
            what="the web request's log line",
        )
        assert [(line["logger"], line["method"], line["path"], line["status"], line["host"], line["schema"])
                for line in web] == [("mercato.request", "POST", "/password-reset/", 302, "localhost", "public")]  # fmt: skip

        def task_lines() -> list[dict]:
            return [line for line in _json_lines(celery_worker.log) if line.get("request_id") == "reset-trace-7e57"]

        lines = wait_until(
            lambda: (found := task_lines()) and any("succeeded" in line["message"] for line in found) and found,
            what="the task's log lines with the request id",
        )
        assert all(line["schema"] == "public" and "accounts.send_email" in line["message"] for line in lines)
        # Tasks sent by no request (the probe below) log no id.
        from tests.conftest import wait_for_worker_to_catch_up

        wait_for_worker_to_catch_up(celery_worker)
        caught_up = [line for line in _json_lines(celery_worker.log) if "celery.accumulate" in line["message"]]
        assert caught_up and all(line["request_id"] is None for line in caught_up)
    finally:
        stop_process(server)
