"""Who may do what: every review URL, walked from conflict.urls_review so a new URL cannot be
forgotten, refuses anonymous visitors (login redirect) and signed-in non-editors (403)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, reverse

from conflict import urls_review
from conflict.models import Event
from conflict.tests.factories import ClaimFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db


def review_urls() -> list[tuple[str, str]]:
    urls = []
    for pattern in urls_review.urlpatterns:
        assert isinstance(pattern, URLPattern), "nested includes would escape this check"
        kwargs = {name: 1 for name in re.findall(r"<int:(\w+)>", str(pattern.pattern))}
        urls.append((pattern.name, reverse(f"review:{pattern.name}", kwargs=kwargs)))
    return urls


URLS = review_urls()


def test_the_walk_covers_every_review_url():
    assert len(URLS) == len(urls_review.urlpatterns) >= 15


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("name", "url"), URLS, ids=[n for n, _ in URLS])
def test_an_anonymous_visitor_is_sent_to_log_in(client, name, url, method):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(settings.LOGIN_URL)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("name", "url"), URLS, ids=[n for n, _ in URLS])
def test_a_signed_in_user_who_is_not_an_editor_is_refused(client, name, url, method):
    client.force_login(UserFactory())
    response = getattr(client, method)(url)
    assert response.status_code == 403


@pytest.mark.parametrize("group", ["editor", "admin"])
def test_editors_and_admins_can_open_the_queue(client, group):
    client.force_login(UserFactory(groups=[group]))
    assert client.get(reverse("review:queue")).status_code == 200


def test_a_superuser_can_open_the_queue(client):
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(reverse("review:queue")).status_code == 200


def test_a_write_by_a_non_editor_changes_nothing(client):
    event = EventFactory()
    ClaimFactory(event=event, place=event.place)
    client.force_login(UserFactory())
    client.post(reverse("review:accept", args=[event.pk]), {"version": event.version})
    client.logout()
    client.post(reverse("review:reject", args=[event.pk]), {"version": event.version, "reason": "x"})
    event.refresh_from_db()
    assert (event.status, event.version) == ("auto", 1)


def test_review_forms_need_a_csrf_token(editor):
    event = EventFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(reverse("review:accept", args=[event.pk]), {"version": event.version})
    assert response.status_code == 403
    assert Event.objects.get(pk=event.pk).status == "auto"


def test_writes_need_post(client, editor):
    event = EventFactory()
    client.force_login(editor)
    assert client.get(reverse("review:accept", args=[event.pk])).status_code == 405


# --- logging in ---------------------------------------------------------------------------------

def test_the_login_page_has_a_csrf_protected_form(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


def test_an_editor_logs_in_and_lands_on_the_queue(client, editor):
    response = client.post("/accounts/login/", {"username": editor.username,
                                                "password": "correct horse battery staple"})
    assert response.status_code == 302 and response["Location"] == "/review/"
    assert client.session.get_expire_at_browser_close()


def test_repeated_failed_logins_lock_the_username_out_with_a_clear_message(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/", {"username": editor.username, "password": "wrong"})
        assert response.status_code == 200
        assert b"didn&#x27;t match" in response.content or b"didn't match" in response.content
    response = client.post("/accounts/login/", {"username": editor.username, "password": "wrong"})
    assert response.status_code == 429
    assert b"Too many failed log-ins" in response.content
    # Even the right password is refused while locked out.
    response = client.post("/accounts/login/", {"username": editor.username,
                                                "password": "correct horse battery staple"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_block_another_username(client, editor):
    other = UserFactory(groups=["editor"])
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": editor.username, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": other.username,
                                                "password": "correct horse battery staple"})
    assert response.status_code == 302
