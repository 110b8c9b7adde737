"""Fixtures of a local S3-compatible server (moto's standalone server, a real process over HTTP) and a bucket per test."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import requests

from tests.support import WAIT_TIMEOUT, free_port, spawn, stop_process, wait_for_start

# moto accepts any credentials; these only have to be present and the same on both sides.
ACCESS_KEY, SECRET_KEY, REGION = "mercato-test", "mercato-test-secret", "us-east-1"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> Iterator[str]:
    """moto's S3 server on a loopback port for the whole run; yields its URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("s3") / "moto.log"
    command = [sys.executable, "-m", "moto.server", "--host", "127.0.0.1", "--port", str(port)]
    process: subprocess.Popen = spawn(command, env={**os.environ, "PYTHONUNBUFFERED": "1"}, log=log)
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(f"{url}/moto-api/", timeout=WAIT_TIMEOUT).ok
        except requests.RequestException:
            return False

    wait_for_start(process, log, answers, what="the S3 server")
    yield url
    stop_process(process)


@dataclass
class Bucket:
    name: str
    client: Any  # boto3's S3 client, talking to the server over HTTP

    def objects(self, prefix: str = "") -> dict[str, bytes]:
        """Every object under ``prefix``: key -> content, read back from the server."""
        found: dict[str, bytes] = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix):
            for item in page.get("Contents", []):
                found[item["Key"]] = self.client.get_object(Bucket=self.name, Key=item["Key"])["Body"].read()
        return found


@pytest.fixture
def s3_media(s3_server, settings) -> Bucket:
    """Media go to a new bucket of this test's own on the S3 server, the way production's settings configure it."""
    name = f"media-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3", endpoint_url=s3_server, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )  # fmt: skip
    client.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "tenants.s3_storage.StoreS3Storage",
            "OPTIONS": {
                "bucket_name": name, "endpoint_url": s3_server, "region_name": REGION, "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY, "location": "media", "querystring_auth": True, "file_overwrite": False,
                "default_acl": None,
            },
        },
    }  # fmt: skip
    return Bucket(name=name, client=client)
