"""Production settings: required secrets, security headers, a Content Security Policy the
pages satisfy, and a clean `check --deploy`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from conflict.models import Event
from conflict.tests.factories import ClaimFactory, EventFactory, ReportFactory, SourceFactory

ROOT = Path(settings.BASE_DIR)
# A <script> element that runs code of its own (no src, not a JSON data block), an event
# handler attribute, or a javascript: URL: all refused by script-src 'self'.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(ld\+)?json\")[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def _production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TIDEMARK_HTTPS", "PYTEST"))}
    db = settings.DATABASES["default"]
    env.update({
        # Settings need a database URL (none would start the embedded server); check does not connect.
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "k7#Vq2!rT9zLw4@pX8mN3$bY6^cH1&dJ5*fG0(sA)eQ_uR+oI=lK-jZ",
        "DJANGO_ALLOWED_HOSTS": "tidemark.example.org",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://tidemark.example.org",
        **overrides,
    })
    return {k: v for k, v in env.items() if v is not None}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_check_deploy_is_clean_under_the_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(("missing", "message"), [
    ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off"),
    ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off"),
])
def test_production_refuses_to_start_without_a_secret_key_or_allowed_hosts(missing, message):
    env = _production_env()
    del env[missing]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_local_development_runs_without_secrets_when_debug_is_on():
    env = _production_env(DJANGO_DEBUG="true")
    del env["DJANGO_SECRET_KEY"], env["DJANGO_ALLOWED_HOSTS"]
    result = _manage("check", env=env)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def pages(db, editor) -> list[str]:
    """One of every kind of page, the API documentation and the map."""
    source = SourceFactory()
    report = ReportFactory(source=source)
    event = EventFactory(status=Event.Status.AUTO)
    ClaimFactory(event=event, report=report, place=event.place, actor1=event.actor1, type=event.type)
    urls = ["/", "/search/?q=hajin", f"/places/{event.place.slug}/", f"/events/{event.pk}/",
            f"/reports/{report.pk}/", f"/sources/{source.slug}/", "/map/", "/accounts/login/", "/api/docs/",
            "/api/redoc/", "/no-such-page/"]
    if event.actor1:
        urls.append(f"/actors/{event.actor1.slug}/")
    return urls


def test_pages_send_a_content_security_policy_and_run_no_inline_script(client, pages, editor):
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        policy = response.headers["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", policy).group(1)
        assert script_src.split() == ["'self'"], url
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), f"{url}: {INLINE_SCRIPT.search(html).group(0)}"
        assert not HANDLER.search(html), f"{url}: {HANDLER.search(html).group(0)}"
        assert not JS_URL.search(html), url
    # The review pages, as an editor.
    client.force_login(editor)
    for url in ["/review/", "/review/proposals/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not INLINE_SCRIPT.search(response.content.decode()), url


def test_the_api_docs_script_is_served_from_a_url():
    from django.test import Client

    response = Client().get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")


def test_no_template_holds_an_inline_script_or_event_handler():
    """Also catches templates that no page test renders yet."""
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER, JS_URL):
            found = pattern.search(text)
            assert not found, f"{path.relative_to(ROOT)}: {found.group(0)}"
