"""Fixtures for the ingestion tests: a real HTTP server on 127.0.0.1 serving pages and
feeds, and a tagger availability check."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Route:
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    body: bytes = b""
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class Site:
    """Routes served by a real http.server thread; `hits` counts requests per path."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.base = ""
        self.stop = threading.Event()

    def add(self, path: str, body: str | bytes = b"", *, status: int = 200,
            content_type: str = "text/html; charset=utf-8", delay: float = 0.0, **headers: str) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(status, content_type, data, delay, headers)
        return self.url(path)

    def url(self, path: str) -> str:
        return self.base + path


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path = self.path.split("?")[0]
            site.hits[path] = site.hits.get(path, 0) + 1
            route = site.routes.get(path)
            if route is None:
                route = Route(404, "text/html", b"<html><body>not found</body></html>")
            if route.delay:
                # Wait in small steps so the server can shut down while a client has given up.
                end = time.monotonic() + route.delay
                while time.monotonic() < end and not site.stop.is_set():
                    time.sleep(0.05)
            try:
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                for key, value in route.headers.items():
                    self.send_header(key.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args) -> None:
            pass

    return Handler


@pytest.fixture
def site(settings) -> Iterator[Site]:
    # The server is on loopback, which Tidemark refuses to fetch from unless allowed.
    settings.TIDEMARK_FETCH_ALLOW_PRIVATE = True
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.stop.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def tagger():
    """The tagger library; tests that tag real text need it."""
    try:
        from reports import tagging
        from reports.tagging import tag  # noqa: F401
    except ImportError:
        pytest.skip("the tagger (reports/tagging) is not there yet")
    return tagging


@pytest.fixture(autouse=True)
def _fresh_lexicon():
    from reports.lexicon import lexicon_reset

    lexicon_reset()
    yield
    lexicon_reset()

