"""While the database is unavailable every request answers 503 with Retry-After (a page
for people, JSON under /api/), and the app recovers by itself once it is back.

Here every query fails as it does while PostgreSQL restarts; reports/tests/test_resilience.py
restarts a real PostgreSQL under a running server.
"""

from __future__ import annotations

from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

pytestmark = pytest.mark.django_db


@contextmanager
def database_down():
    def refuse(self, *args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    with mock.patch.object(CursorWrapper, "execute", refuse), mock.patch.object(CursorWrapper, "executemany", refuse):
        yield


@pytest.fixture
def browser() -> Client:
    client = Client()
    # An outage met in a middleware reaches handler500; see the answer, not the exception.
    client.raise_request_exception = False
    return client


def test_a_page_answers_503_with_a_clear_page_and_retry_after(browser):
    with database_down():
        response = browser.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "Unavailable for a moment" in body
    assert "The database is unavailable for a moment" in body
    assert 'http-equiv="refresh"' in body


def test_a_form_post_answers_503_without_reloading_itself(browser):
    with database_down():
        response = browser.post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 503
    assert 'http-equiv="refresh"' not in response.content.decode()


def test_an_api_request_answers_503_in_json(browser):
    with database_down():
        response = browser.get("/api/events/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json()["detail"].startswith("The database is unavailable")


def test_requests_succeed_again_once_the_database_is_back(browser):
    with database_down():
        assert browser.get("/").status_code == 503
    assert browser.get("/").status_code == 200
    assert browser.get("/api/events/").status_code == 200


def test_other_errors_are_still_a_500(browser):
    with mock.patch("conflict.views.pages.pages.recent_places", side_effect=ValueError("a bug")):
        response = browser.get("/")
    assert response.status_code == 500
