"""The OpenAPI schema, the docs page, and schemathesis fuzzing every read endpoint
through the WSGI app: no 5xx, and every answer matches the schema."""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.conf import settings as dj_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from conflict.tests.api.conftest import event_with_claims

pytestmark = pytest.mark.django_db
MAX_EXAMPLES = 25


def test_the_schema_is_openapi_3_and_lists_every_endpoint(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ("/api/events/", "/api/events/{id}/", "/api/changes/", "/api/places/", "/api/places/{id}/control/",
                 "/api/control/", "/api/actors/", "/api/sources/", "/api/reports/", "/api/reports/{id}/"):
        assert path in schema["paths"], path
    params = {p["name"] for p in schema["paths"]["/api/events/"]["get"]["parameters"]}
    assert {"place", "bbox", "admin1", "actor", "actor1", "actor2", "type", "status", "date_from", "date_to",
            "min_confidence", "source", "updated_since", "cursor", "page_size", "ordering", "format"} <= params


def test_the_docs_page_is_served_from_the_app_without_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    # Its start-up script comes from a URL of its own (no inline script: the CSP refuses them).
    assert '<script src="/api/docs/?script="></script>' in html
    assert "/api/schema/" in client.get("/api/docs/?script=").content.decode()
    external = [u for u in re.findall(r'(?:src|href)="([^"]+)"', html) if u.startswith(("http:", "https:", "//"))]
    assert external == []
    assert "/static/drf_spectacular_sidecar/" in html


@pytest.fixture
def fuzz_schema(db):
    # Some data, so that detail and filter answers have bodies to check against the schema.
    for _ in range(3):
        event_with_claims(2)
    # The WSGI handler closes the database connection after each request, which would end
    # the test's transaction; Django's own test client switches this off the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_schemathesis_finds_no_server_error_and_no_answer_off_the_schema(fuzz_schema):
    operations = [op.ok() for op in fuzz_schema.get_all_operations()]
    assert len(operations) >= 10
    # The fuzzer sends hundreds of requests: throttling would turn them into 429s.
    rates = {"anon": "100000/min", "user": "100000/min"}
    with override_settings(REST_FRAMEWORK={**dj_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        for operation in operations:
            # Valid input: no 5xx and every answer as documented. Invalid input (wrong types,
            # values off the schema): still never a 5xx, whatever the 4xx.
            for mode, checks in ((GenerationMode.POSITIVE, [not_a_server_error, response_schema_conformance]),
                                 (GenerationMode.NEGATIVE, [not_a_server_error])):

                _fuzz(operation, mode, checks)


def _fuzz(operation, mode: GenerationMode, checks: list) -> None:
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        case.call_and_validate(checks=checks)

    check()
