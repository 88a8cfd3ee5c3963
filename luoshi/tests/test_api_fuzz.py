"""Every API operation, fed generated input, answers without a server error (issue 14 A).

Schemathesis reads the OpenAPI document ninja serves and calls each operation through
the WSGI application (no server), as the test city's supervisor with an API token, with
a few examples each — valid ones and malformed ones — derandomized, so a run is the same
on every machine and on both databases. Every answer must be below 500, match the
schema it documents, and every refusal must be the project's JSON error shape.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from luoshi.org.tokens import issue_token

EXAMPLES = 4  # per operation: ~170 operations stay within a couple of minutes on 2 cores


@pytest.fixture
def api_schema(settings, city):  # the database first: the schema is loaded by a request
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]  # the host schemathesis sends
    # As Django's test client does: a request's end must not close the test's connection
    # (on PostgreSQL that would end the transaction the test runs in).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token(city):
    return issue_token(city.supervisor, "fuzz")[1]


def answer_once(case, token: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    where = f"{case.method} {case.formatted_path}"
    assert response.status_code < 500, (where, response.status_code, response.text[:300])
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body, dict) and {"code", "message"} <= body.keys(), (where, body)
    case.validate_response(
        response,
        checks=(not_a_server_error, response_schema_conformance, content_type_conformance),
    )


def test_no_operation_answers_with_a_server_error(api_schema, token):
    failures, operations = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            answer_once(case, token)

        try:
            run()
        except Exception as error:  # each operation's first failure, then the next operation
            failures.append(f"{operation.method.upper()} {operation.path}: {error}"[:1500])
    assert operations > 100
    assert not failures, "\n\n".join(failures)
