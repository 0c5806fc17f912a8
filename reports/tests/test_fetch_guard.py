"""URLs are fetched only from public addresses unless configured: no request forgery into
the operator's network."""

from __future__ import annotations

import socket

import pytest

from reports.fetch.guard import BlockedAddress, checked_addresses
from reports.fetch.urls import fetch
from reports.models import Report
from reports.services import report_ingest


@pytest.fixture
def guarded(site, settings):
    """The local test site, with the default configuration: private addresses refused."""
    settings.TIDEMARK_FETCH_ALLOW_PRIVATE = False
    settings.TIDEMARK_FETCH_ALLOWED_HOSTS = []
    site.add("/article", "<html><body><p>" + "The SDF took the village. " * 20 + "</p></body></html>")
    return site


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"),
    ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"),
    ("192.168.0.10", "private"),
    ("172.16.5.5", "private"),
    ("fd00::1", "private"),
    ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"),
    ("224.0.0.251", "multicast"),
    ("240.0.0.1", "reserved"),
    ("0.0.0.0", "unspecified"),
    ("100.64.0.1", "non-public"),
])
def test_a_non_public_address_is_refused_by_default_naming_its_kind(settings, address, kind):
    settings.TIDEMARK_FETCH_ALLOW_PRIVATE = False
    with pytest.raises(BlockedAddress, match=f"is an? {kind} address.*TIDEMARK_FETCH_ALLOW_PRIVATE=true"):
        checked_addresses(address, 80)


def test_a_public_address_passes(settings):
    settings.TIDEMARK_FETCH_ALLOW_PRIVATE = False
    assert checked_addresses("93.184.216.34", 443) == ["93.184.216.34"]


@pytest.mark.django_db
def test_a_url_on_loopback_is_refused_and_the_error_is_kept_on_the_report(guarded):
    result = report_ingest(url=guarded.url("/article"))
    assert result.outcome == "failed"
    report = Report.objects.get(origin=guarded.url("/article"))
    assert report.status == "failed"
    assert "127.0.0.1 is a loopback address" in report.error
    assert "Tidemark fetches only from public addresses" in report.error
    assert guarded.hits == {}  # never contacted


def test_a_name_that_resolves_to_loopback_is_refused(guarded):
    url = guarded.url("/article").replace("127.0.0.1", "localhost")
    with pytest.raises(BlockedAddress, match=r"localhost \((127\.0\.0\.1|::1)\) is a loopback address"):
        fetch(url)
    assert guarded.hits == {}


def test_a_redirect_to_a_private_address_is_refused(guarded, settings):
    settings.TIDEMARK_FETCH_ALLOWED_HOSTS = ["localhost"]  # the first hop is allowed, the second is not
    secret = guarded.add("/secret", "internal")
    start = guarded.add("/moved", status=302, Location=secret).replace("127.0.0.1", "localhost")
    with pytest.raises(BlockedAddress, match=r"redirected to .*/secret was not fetched: 127\.0\.0\.1 is a loopback"):
        fetch(start)
    assert guarded.hits == {"/moved": 1}


def test_a_listed_host_may_be_private(guarded, settings):
    settings.TIDEMARK_FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    assert fetch(guarded.url("/article")).status == 200


def test_allowing_private_addresses_fetches_from_them(guarded, settings):
    settings.TIDEMARK_FETCH_ALLOW_PRIVATE = True
    assert fetch(guarded.url("/article")).status == 200


def test_a_name_that_turns_private_between_check_and_connect_is_refused(guarded, monkeypatch):
    """DNS rebinding: a public address for the check, loopback for the connection."""
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.example":
            address = next(answers)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = guarded.base.rsplit(":", 1)[1]
    with pytest.raises(BlockedAddress, match=r"rebind\.example \(127\.0\.0\.1\) is a loopback address"):
        fetch(f"http://rebind.example:{port}/article")
    assert guarded.hits == {}


def test_the_connection_goes_to_the_checked_address_under_the_hosts_name(guarded, settings, monkeypatch):
    settings.TIDEMARK_FETCH_ALLOWED_HOSTS = ["news.example"]
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        return real("127.0.0.1" if host == "news.example" else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    port = guarded.base.rsplit(":", 1)[1]
    page = fetch(f"http://news.example:{port}/article")
    assert page.status == 200 and page.final_url == f"http://news.example:{port}/article"
