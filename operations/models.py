"""What operations keeps in the database: the Celery workers' heartbeats."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker said it was alive.

    Kept in PostgreSQL rather than in worker memory or Redis: every web process can read
    it (readiness, metrics), it survives a broker restart, and it tells us the worker can
    reach the database too, which is what tagging needs.
    """

    hostname = models.CharField(max_length=255, unique=True, help_text="the Celery node name, e.g. celery@host")
    pid = models.PositiveIntegerField(default=0)
    seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.hostname} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
