"""Reports as received, and the feeds they come from."""

from __future__ import annotations

from django.db import models


class Report(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        PROCESSING = "processing"
        TAGGED = "tagged"
        # Stored, but in a language the tagger does not handle: nothing was tagged.
        NOT_TAGGED = "not_tagged"
        FAILED = "failed"

    source = models.ForeignKey(
        "conflict.Source", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    origin = models.CharField(max_length=1000, help_text="URL, or file:NAME for an uploaded file")
    url = models.URLField(max_length=1000, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=1000, blank=True)
    author = models.CharField(max_length=300, blank=True)
    published = models.DateField(null=True, blank=True)
    published_inferred = models.BooleanField(default=False)
    text = models.TextField(help_text="exactly as received")
    content_hash = models.CharField(max_length=64)
    language = models.CharField(max_length=12, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    ingested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    tagger_version = models.CharField(max_length=40, blank=True)
    tagged_at = models.DateTimeField(null=True, blank=True)
    # The report row is the outbox of its tag task (reports.outbox): when its task was last
    # handed to the broker; null while it waits for the broker (a failed publish). A
    # pending report that stays pending is published again by the outbox sweep.
    queued_at = models.DateTimeField(null=True, blank=True)
    # When the last claim for tagging was taken (the lease a stale "processing" is judged by).
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The same text under another origin; a syndicated copy with another headline.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="exact_duplicates"
    )
    near_duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="near_duplicates"
    )
    # Tagger output kept for the report page: entity spans with their kinds.
    spans = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-ingested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["origin", "content_hash"], name="report_origin_hash_unique"),
        ]
        indexes = [
            models.Index(fields=["content_hash"], name="report_hash"),
            models.Index(fields=["status", "ingested_at"], name="report_status_ingested"),
            models.Index(fields=["published"], name="report_published"),
            # The outbox sweep's query; only the few reports not yet tagged are in it.
            models.Index(fields=["status", "queued_at"], name="report_outbox",
                         condition=models.Q(status__in=["pending", "processing"])),
        ]

    def __str__(self) -> str:
        return self.title or self.origin


class Feed(models.Model):
    """An RSS or Atom feed polled by Celery beat."""

    url = models.URLField(max_length=1000, unique=True)
    title = models.CharField(max_length=300, blank=True)
    source = models.ForeignKey(
        "conflict.Source", null=True, blank=True, on_delete=models.SET_NULL, related_name="feeds"
    )
    active = models.BooleanField(default=True)
    etag = models.CharField(max_length=300, blank=True)
    modified = models.CharField(max_length=100, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["url"]

    def __str__(self) -> str:
        return self.title or self.url


class ReportSketchKey(models.Model):
    """One hash of a report's near-duplicate sketch (Report.metadata["sketch"], as a
    signed 64-bit integer): the near-duplicate prefilter looks reports up by these with a
    btree index instead of reading every report's sketch."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sketch_keys")
    key = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "report"], name="report_sketch_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.key}"
