"""Structured logs: JSON lines with the request id, and the report id on ingestion and tagging lines."""

from __future__ import annotations

import io
import json
import logging

import pytest

from operations.logging import ContextFilter, JsonFormatter, PlainFormatter, log_context, report_id_var

DEMO_TEXT = (
    "Hajin, 14 December 2018. The SDF captured the town of Hajin from ISIS on Thursday after "
    "weeks of clashes, a commander said.\n"
)


@pytest.fixture
def json_lines():
    """The lines the root logger writes, as settings.LOGGING writes them with
    TIDEMARK_LOG_FORMAT=json (the same filter and formatter), parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    lines: list[dict] = []

    def read() -> list[dict]:
        lines[:] = [json.loads(line) for line in stream.getvalue().splitlines()]
        return lines

    yield read
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_a_line_logged_during_a_request_is_json_with_the_request_id_the_client_sent(client, json_lines, db):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-4f2a.9:b_1")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-4f2a.9:b_1"
    not_found = [line for line in json_lines() if line["logger"] == "django.request"]
    assert not_found, json_lines()
    line = not_found[0]
    assert line["level"] == "WARNING"
    assert line["message"] == "Not Found: /no-such-page/"
    assert line["request_id"] == "req-4f2a.9:b_1"
    assert line["time"].endswith("+00:00")


@pytest.mark.parametrize("given", ["two words", "x" * 129, "<script>", "a\nb", ""])
def test_an_insane_request_id_is_replaced_by_a_generated_one(client, given):
    response = client.get("/health/", HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] != given
    assert len(response["X-Request-ID"]) == 32
    int(response["X-Request-ID"], 16)


def test_each_request_gets_its_own_id_and_none_is_left_behind(client):
    first = client.get("/health/")["X-Request-ID"]
    second = client.get("/health/")["X-Request-ID"]
    assert first != second
    record = logging.makeLogRecord({"msg": "after the request"})
    ContextFilter().filter(record)
    assert record.request_id is None


def test_ingestion_and_tagging_lines_carry_the_report_id(db, json_lines, django_capture_on_commit_callbacks):
    from reports.models import Report
    from reports.services import report_ingest

    with django_capture_on_commit_callbacks(execute=True):  # tagging is queued on commit (eager here)
        result = report_ingest(text=DEMO_TEXT, origin="file:hajin.txt", file_name="hajin.txt",
                               published="2018-12-15")
    report = Report.objects.get(pk=result.report.pk)
    assert report.status == "tagged"
    lines = [line for line in json_lines() if line["logger"] == "reports.services"]
    stored = [line for line in lines if line["message"].startswith("report stored")]
    tagged = [line for line in lines if line["message"].startswith("report tagged")]
    assert stored and tagged, lines
    assert stored[0]["report_id"] == report.pk
    assert tagged[0]["report_id"] == report.pk
    # Celery's eager run of the task also named the task on the line.
    assert tagged[0]["task_id"]
    assert report_id_var.get() is None


def test_a_failed_ingestion_line_names_the_report_kept_with_its_error(db, json_lines):
    from reports.services import report_record_failure

    result = report_record_failure(origin="https://example.org/gone", url="https://example.org/gone",
                                   error="404 Not Found")
    line = next(line for line in json_lines() if line["message"].endswith("not ingested: 404 Not Found"))
    assert line["report_id"] == result.report.pk
    assert line["level"] == "INFO"


def test_the_report_id_argument_of_a_task_is_found_positional_or_by_name():
    from operations.logging import _report_id_argument
    from reports.tasks import feed_poll, tag_report

    assert _report_id_argument(tag_report, (42,), {}) == 42
    assert _report_id_argument(tag_report, (), {"report_id": 7, "force": True}) == 7
    assert _report_id_argument(feed_poll, (3,), {}) is None


def test_json_lines_keep_extra_fields_and_the_traceback():
    handler_stream = io.StringIO()
    handler = logging.StreamHandler(handler_stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tidemark.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with log_context(report_id=9):
            try:
                raise ValueError("bad input")
            except ValueError:
                logger.exception("tagging failed", extra={"attempt": 2})
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    line = json.loads(handler_stream.getvalue())
    assert line["report_id"] == 9
    assert line["attempt"] == 2
    assert "ValueError: bad input" in line["exc_info"]
    assert "request_id" not in line  # unset ids are left out


def test_plain_lines_name_the_ids_that_are_set():
    record = logging.makeLogRecord({"name": "reports.services", "levelname": "INFO", "msg": "tagged"})
    with log_context(request_id="abc", report_id=5):
        ContextFilter().filter(record)
    text = PlainFormatter().format(record)
    assert text.endswith("INFO reports.services: tagged [request_id=abc report_id=5]")
