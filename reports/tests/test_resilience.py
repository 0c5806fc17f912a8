"""Nothing lost when a service fails: Redis and PostgreSQL stopped and started under a
running Tidemark (a gunicorn web server, a Celery worker and Celery beat).

The shared PostgreSQL and Redis of this machine serve other test sessions (and this
session's own database connection), so these tests never touch them: they start a
private Redis (redis-server on a free port) and a private PostgreSQL 16 (pgserver, in a
temporary directory), run the app against those, and stop and start them. Every wait
is bounded; every process is stopped in the fixture's teardown.

The database is read with psycopg directly (the app's tables, in the private database),
never through this session's Django connection.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import psycopg
import pytest
from django.conf import settings

pytestmark = [pytest.mark.resilience, pytest.mark.worker]

BASE_DIR = Path(settings.BASE_DIR)
DEMO = BASE_DIR / "data" / "demo_reports"
BIN = Path(sys.executable).parent
DEADLINE = 120.0  # seconds for the whole backlog to be tagged after a service is back
# Short timeouts, so the test sees in seconds what production does in minutes.
SWEEP_SECONDS = 1
REQUEUE_SECONDS = 8
CLAIM_TIMEOUT_SECONDS = 20


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.25) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if predicate():
                return True
        except (OSError, psycopg.Error):
            pass
        time.sleep(step)
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own, stopped and started again on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.workdir)],
            stdout=(self.workdir / "redis.log").open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        assert wait_for(self.ping, 20, 0.1), "the private redis-server did not start"

    def ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        """SIGKILL, as a crash: whatever it held (queued and unacked messages) is gone."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


class PrivatePostgres:
    """PostgreSQL 16 from pgserver in a temporary directory, on a Unix socket. pgserver starts
    it (as its own system user when we are root); pg_ctl stops and starts the same data dir."""

    def __init__(self, workdir: Path) -> None:
        self.pgdata = workdir / "pgdata"
        self.user = "pgserver" if os.geteuid() == 0 else None
        self.socket_dir = ""

    def start_first(self) -> None:
        warnings.filterwarnings("ignore", module="platformdirs")
        import pgserver

        server = pgserver.get_server(self.pgdata, cleanup_mode=None)
        self.socket_dir = parse_qs(urlparse(server.get_uri()).query)["host"][0]
        self.log = self.pgdata / "restarts.log"
        server.psql("CREATE DATABASE tidemark;")

    def url(self) -> str:
        return f"postgresql://postgres:@/tidemark?host={self.socket_dir}"

    def _pg_ctl(self, *args: str) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(list(args), pgdata=self.pgdata, user=self.user, timeout=60)

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-w", "-m", mode, "stop")

    def start(self) -> None:
        self._pg_ctl("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.log), "start")

    def running(self) -> bool:
        return (self.pgdata / "postmaster.pid").exists()

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(host=self.socket_dir, dbname="tidemark", user="postgres", autocommit=True,
                               connect_timeout=5)


@dataclass
class Stack:
    workdir: Path
    redis: PrivateRedis
    postgres: PrivatePostgres
    env: dict[str, str]
    web_port: int = 0
    token: str = ""
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    # --- processes ---------------------------------------------------------------------

    def manage(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=BASE_DIR, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def spawn(self, name: str, argv: list[str]) -> None:
        self.procs[name] = subprocess.Popen(argv, cwd=BASE_DIR, env=self.env, start_new_session=True,
                                            stdout=self.log(name).open("ab"), stderr=subprocess.STDOUT)

    def log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def logs(self, tail: int = 3000) -> str:
        return "\n".join(f"--- {name} ---\n{self.log(name).read_text(errors='replace')[-tail:]}"
                         for name in self.procs)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

    # --- HTTP ----------------------------------------------------------------------------

    def http(self, method: str, path: str, body: dict | None = None, timeout: float = 30
             ) -> tuple[int, dict[str, str], bytes, float]:
        headers = {"Accept": "application/json" if path.startswith("/api/") else "text/html"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
            headers["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(f"http://127.0.0.1:{self.web_port}{path}", data=data, method=method,
                                         headers=headers)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read(), time.monotonic() - started
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read(), time.monotonic() - started

    def submit(self, text: str, title: str) -> tuple[int, dict, float]:
        status, _, body, took = self.http("POST", "/api/reports/", {"text": text, "title": title,
                                                                    "published": "2018-12-15", "outlet": "Test Wire"})
        return status, json.loads(body or b"{}"), took

    # --- the private database ------------------------------------------------------------

    def reports(self, where: str = "TRUE", params: tuple = ()) -> list[tuple]:
        with self.postgres.connect() as conn:
            return conn.execute(f"SELECT id, title, status, attempts, queued_at FROM reports_report WHERE {where}"
                                " ORDER BY id", params).fetchall()

    def titled(self, prefix: str) -> list[tuple]:
        return self.reports("title LIKE %s", (prefix + "%",))

    def duplicate_claims(self, ids: list[int]) -> list[tuple]:
        with self.postgres.connect() as conn:
            return conn.execute(
                "SELECT report_id, type, span_start, span_end, place_id, actor1_id, actor2_id, count(*)"
                " FROM conflict_claim WHERE report_id = ANY(%s) GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING count(*) > 1",
                (ids,)).fetchall()


def _texts(prefix: str, n: int) -> list[tuple[str, str]]:
    bodies = []
    for path in sorted(DEMO.glob("*.txt")):
        _, _, body = path.read_text(encoding="utf-8").partition("\n\n")
        bodies.append(body)
    return [(f"{prefix} {i:03}", f"{bodies[i % len(bodies)]}\n{prefix}: dispatch {i}.\n") for i in range(n)]


def _retries(stack: Stack, since: int) -> list[str]:
    """The worker's "Task ... retry: Retry in Ns" lines logged after byte `since`."""
    text = stack.log("worker").read_bytes()[since:].decode(errors="replace")
    return [line for line in text.splitlines() if "Retry in" in line]


def _assert_all_tagged_exactly_once(stack: Stack, prefix: str, expected: int) -> None:
    def done() -> bool:
        rows = stack.titled(prefix)
        return len(rows) == expected and all(r[2] == "tagged" for r in rows)

    assert wait_for(done, DEADLINE, 0.5), (
        f"not every {prefix!r} report was tagged: "
        f"{[(r[0], r[2]) for r in stack.titled(prefix) if r[2] != 'tagged']}\n{stack.logs()}"
    )
    rows = stack.titled(prefix)
    # One committed claim each: a second run (a duplicate message, a re-published outbox
    # entry) would have claimed it again and counted a second attempt.
    assert {r[3] for r in rows} == {1}, [(r[0], r[3]) for r in rows if r[3] != 1]
    assert stack.duplicate_claims([r[0] for r in rows]) == []


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    # Not under pytest's tmp dirs: they are private to root, and PostgreSQL runs as its own user.
    workdir = Path(tempfile.mkdtemp(prefix="tidemark-res-"))
    workdir.chmod(0o755)
    redis, postgres = PrivateRedis(workdir), PrivatePostgres(workdir)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",  # production's error handling: the 503 page, not a traceback
        "DJANGO_SECRET_KEY": "resilience-test-key-not-a-secret",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TIDEMARK_HTTPS": "false",
        "TIDEMARK_SHARED_DIR": str(settings.SHARED_DIR),
        "CELERY_BROKER_URL": redis.url,
        "TIDEMARK_CACHE_URL": "",
        "TIDEMARK_OUTBOX_SWEEP_SECONDS": str(SWEEP_SECONDS),
        "TIDEMARK_OUTBOX_REQUEUE_SECONDS": str(REQUEUE_SECONDS),
        "TIDEMARK_CLAIM_TIMEOUT_SECONDS": str(CLAIM_TIMEOUT_SECONDS),
        "TIDEMARK_TASK_VISIBILITY_SECONDS": "10",
        "TIDEMARK_BROKER_TIMEOUT_SECONDS": "1",
        "TIDEMARK_API_USER_RATE": "100000/min",
        "TIDEMARK_API_ANON_RATE": "100000/min",
        # The feed of the Redis test is served from this machine's loopback.
        "TIDEMARK_FETCH_ALLOW_PRIVATE": "true",
        "PYTHONUNBUFFERED": "1",
    }
    stack = Stack(workdir, redis, postgres, env)
    try:
        redis.start()
        postgres.start_first()
        env["DATABASE_URL"] = postgres.url()
        setup = stack.manage("setup")
        assert setup.returncode == 0, setup.stderr[-3000:]
        made = stack.manage("shell", "-c", (
            "from django.contrib.auth.models import Group, User; from rest_framework.authtoken.models import Token; "
            "u = User.objects.create_user('robot'); u.groups.add(Group.objects.get_or_create(name='submitter')[0]); "
            "print(Token.objects.create(user=u).key)"))
        assert made.returncode == 0, made.stderr[-3000:]
        stack.token = made.stdout.strip().splitlines()[-1]
        stack.web_port = free_port()
        stack.spawn("web", [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{stack.web_port}",
                            "--workers", "1", "--threads", "4", "--timeout", "60", "--graceful-timeout", "5"])
        stack.spawn("worker", [str(BIN / "celery"), "-A", "config", "worker", "--pool=prefork", "--concurrency=1",
                               "--prefetch-multiplier=1", "--without-gossip", "--without-mingle",
                               "--without-heartbeat", "--loglevel=INFO"])
        stack.spawn("beat", [str(BIN / "celery"), "-A", "config", "beat", "--loglevel=INFO",
                             "--schedule", str(workdir / "beat-schedule")])
        assert wait_for(lambda: stack.http("GET", "/healthz", timeout=5)[0] == 200, 60), stack.logs()
        assert wait_for(lambda: "ready" in stack.log("worker").read_text(), 60), stack.logs()
        yield stack
    finally:
        stack.stop_all()
        redis.stop()
        if postgres.running():
            try:
                postgres.stop("immediate")
            except Exception:  # noqa: BLE001 - teardown goes on; the directory goes below
                pass
        shutil.rmtree(workdir, ignore_errors=True)


def _feed(site, prefix: str, n: int) -> str:
    """An RSS feed of n articles on the test's own web server; its URL."""
    items = []
    for i, (title, text) in enumerate(_texts(prefix, n)):
        path = f"/{prefix.replace(' ', '-').lower()}-{i}"
        site.add(path, f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>"
                       f"</head><body><article><h1>{title}</h1><p>{text}</p></article></body></html>")
        items.append(f"<item><title>{title}</title><link>{site.url(path)}</link><guid>{path}</guid>"
                     "<pubDate>Sat, 15 Dec 2018 08:00:00 GMT</pubDate></item>")
    return site.add("/feed.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>"
                    f"<title>Test feed</title><link>{site.base}/</link><description>news</description>"
                    + "".join(items) + "</channel></rss>", content_type="application/rss+xml")


def test_reports_submitted_while_redis_is_down_are_stored_then_tagged_exactly_once(stack: Stack, site):
    feed_url = _feed(site, "Redis feed", 3)
    before = _texts("Redis before", 12)
    during = _texts("Redis during", 12)
    for title, text in before:
        status, body, _ = stack.submit(text, title)
        assert status == 202, body

    untagged_at_stop = sum(1 for r in stack.titled("Redis before") if r[2] != "tagged")
    stack.redis.stop()  # whatever it still held for the worker is lost with it
    try:
        for title, text in during:
            status, body, took = stack.submit(text, title)
            assert status == 202, (status, body)
            assert body["status"] == "pending"
            assert took < 10, f"a POST took {took:.1f} s with the broker down"
        folder = stack.workdir / "drop"
        folder.mkdir()
        for title, text in _texts("Redis ingest", 8):
            (folder / f"{title.replace(' ', '-')}.txt").write_text(f"title: {title}\npublished: 2018-12-15\n\n{text}")
        ingest = stack.manage("ingest", "--async", "--no-progress", str(folder), timeout=120)
        assert ingest.returncode == 0, ingest.stderr[-3000:]
        assert "Ingested 8" in ingest.stdout
        assert "wait for the broker" in ingest.stdout
        # The feed poller (what beat's task runs, here run at once by add_feed --poll).
        poll = stack.manage("add_feed", feed_url, "--poll", timeout=120)
        assert poll.returncode == 0, poll.stderr[-3000:]
        assert "3 new reports" in poll.stdout

        # Stored first: every report is in PostgreSQL, pending, though no broker took its task.
        stored = stack.titled("Redis during") + stack.titled("Redis ingest") + stack.titled("Redis feed")
        assert len(stored) == 23
        assert {r[2] for r in stored} == {"pending"}
        assert [r[0] for r in stored if r[4] is not None] == [], "a failed publish leaves the report for the sweep"
        time.sleep(3)  # worker and beat keep trying to reach the broker meanwhile
    finally:
        stack.redis.start()

    for prefix, n in (("Redis before", 12), ("Redis during", 12), ("Redis ingest", 8), ("Redis feed", 3)):
        _assert_all_tagged_exactly_once(stack, prefix, n)
    worker_log = stack.log("worker").read_text(errors="replace")
    assert "outbox sweep" in worker_log
    print(f"redis: {untagged_at_stop} of the 12 reports queued before the stop were untagged at it (their "
          f"messages lost); 35 tagged once each; sweeps that published: {worker_log.count('outbox sweep:')}; "
          f"duplicate deliveries found nothing to claim: {worker_log.count(': ' + repr('skipped'))}")


# Enough that a backlog is still there when PostgreSQL stops, on a fast machine too.
PG_BATCH = 60


def test_postgresql_restarted_under_the_app_answers_503_then_recovers_and_loses_nothing(stack: Stack):
    batch = _texts("PG batch", PG_BATCH)
    for title, text in batch:
        status, body, _ = stack.submit(text, title)
        assert status == 202, body
    assert wait_for(lambda: any(r[2] == "tagged" for r in stack.titled("PG batch")), 60), stack.logs()
    pending_at_stop = sum(1 for r in stack.titled("PG batch") if r[2] != "tagged")
    worker_log_at_stop = stack.log("worker").stat().st_size

    stack.postgres.stop("fast")
    late_title, late_text = _texts("PG late", 1)[0]
    try:
        status, headers, body, _ = stack.http("GET", "/")
        assert status == 503
        assert headers.get("Retry-After") == "10"
        assert b"Unavailable for a moment" in body
        status, headers, body, _ = stack.http("GET", "/api/events/")
        assert (status, headers.get("Retry-After")) == (503, "10")
        assert json.loads(body)["detail"].startswith("The database is unavailable")
        # Not stored, and the client is told so, with when to try again.
        status, body, _ = stack.submit(late_text, late_title)
        assert status == 503, body
        if pending_at_stop >= 10:
            # The worker meets the outage too: it retries a tag task rather than drop it. (With
            # only a few left at the count, the worker can finish them while PostgreSQL is
            # shutting down, and nothing is left to retry.)
            assert wait_for(lambda: any("reports.tasks.tag_report" in line
                                        for line in _retries(stack, worker_log_at_stop)), 30), (
                f"{pending_at_stop} reports were pending at the stop, yet no tag task retried\n{stack.logs()}")
    finally:
        stack.postgres.start()

    # The web server recovers by itself: no restart, the next requests reconnect.
    assert wait_for(lambda: stack.http("GET", "/")[0] == 200, 30), stack.logs()
    assert stack.http("GET", "/api/events/")[0] == 200
    status, body, _ = stack.submit(late_text, late_title)  # the client's retry
    assert status == 202, body

    _assert_all_tagged_exactly_once(stack, "PG batch", PG_BATCH)
    _assert_all_tagged_exactly_once(stack, "PG late", 1)
    retries = _retries(stack, worker_log_at_stop)
    print(f"postgres: {pending_at_stop} of {PG_BATCH} reports untagged at the stop; {len(retries)} task retries; "
          f"all {PG_BATCH + 1} tagged once")


def test_a_claim_left_in_processing_is_released_after_the_timeout_and_tagged_once(stack: Stack):
    # As a worker that committed its claim and then died would leave a report (report_tag
    # commits the claim together with its result, so only another writer could): processing,
    # claimed long ago, its message gone.
    title, text = _texts("Stale claim", 1)[0]
    made = stack.manage("shell", "-c", (
        "import datetime as dt; from django.utils import timezone; from reports.models import Report; "
        "from reports.services import report_ingest; "
        f"r = report_ingest(text={text!r}, title={title!r}, origin='file:stale.txt', published='2018-12-15', "
        "queue_tagging=False).report; "
        "Report.objects.filter(pk=r.pk).update(status='processing', claimed_at=timezone.now() - dt.timedelta(hours=1))"
    ))
    assert made.returncode == 0, made.stderr[-3000:]
    # Not checked here that it is still "processing": the sweep (every second) may have
    # released it already. The worker's log line below says the sweep is what did.
    _assert_all_tagged_exactly_once(stack, "Stale claim", 1)
    assert "released 1 stale claim" in stack.log("worker").read_text(errors="replace")
