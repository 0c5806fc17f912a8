"""Database settings from DATABASE_URL, or an embedded PostgreSQL when it is unset.

The embedded server (the `pgserver` package) lets the demo and the tests run on a
laptop with no PostgreSQL installed. It is started once and left running
(cleanup_mode=None) so that every manage.py call, the dev server and the test
run share it; `make stop-db` stops it.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured


def parse_database_url(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with postgres:// or postgresql://, not {parsed.scheme!r}://"
        )
    name = unquote(parsed.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("DATABASE_URL must name a database, e.g. postgres://user@host:5432/tidemark")
    query = parse_qs(parsed.query)
    host = query.get("host", [parsed.hostname or ""])[0]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": host,
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        # A database host that stops answering (rather than refusing) fails a connection
        # in seconds, not after the TCP timeout: requests get their 503, /ready/ its answer.
        "OPTIONS": {
            "connect_timeout": int(query.get("connect_timeout", ["5"])[0]),
            "prepare_threshold": _prepare_threshold(query.get("prepare_threshold", ["5"])[0]),
        },
    }


def _prepare_threshold(value: str) -> int | None:
    """psycopg's prepare_threshold. Django sets it to None, which turns preparation off for
    every cursor, even the pipeline's few statements that ask for it (conflict/services/sql.py):
    PostgreSQL then parses and plans each of them for every report. Django's own queries bind on
    the client and are never prepared whatever this says. `?prepare_threshold=none` for a
    connection pooler that cannot keep prepared statements (PgBouncer before 1.21)."""
    if value.lower() == "none":
        return None
    if not value.isdigit():
        raise ImproperlyConfigured(f"DATABASE_URL: prepare_threshold must be a whole number or none, not {value!r}")
    return int(value)


def embedded_database_url(data_dir: Path) -> str:
    # pgserver warns about XDG_RUNTIME_DIR and logs its own start and stop at INFO on every
    # command; neither tells a user anything.
    warnings.filterwarnings("ignore", module="platformdirs")
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    try:
        import pgserver
    except ImportError as exc:  # pragma: no cover - only without the dependency installed
        raise ImproperlyConfigured(
            "DATABASE_URL is unset and the embedded PostgreSQL (pgserver) is not installed; "
            "run `make install` or set DATABASE_URL"
        ) from exc
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    return server.get_uri("postgres")


def embedded_database_stop(data_dir: Path) -> bool:
    """Stop the embedded server. pgserver itself stops it only when the last process
    that opened it exits cleanly, which a killed dev server never does."""
    if not (data_dir / "postmaster.pid").exists():
        return False
    warnings.filterwarnings("ignore", module="platformdirs")
    from pgserver._commands import pg_ctl

    # As root, pgserver runs PostgreSQL as its own system user, who must stop it too.
    user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    pg_ctl(["-w", "stop"], pgdata=data_dir, user=user)
    return True
