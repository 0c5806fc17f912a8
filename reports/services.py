"""Reports in: ingest (store untouched, hash, dedupe), tag, retry, re-tag, poll feeds.

The flow (docs/architecture.md): `report_ingest` stores a report as received with
status pending and queues `reports.tasks.tag_report` on commit; `report_tag` claims
the report with a conditional UPDATE, runs the tagger, replaces the report's machine
claims and merges them into events, all in one transaction. Bad input never raises
out of the ingest functions: it becomes a failed report with its reason, so one bad
file never stops the others.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify

from conflict.models import ChangeRecord, Event, Place, PlaceName, Source, TaggerProposal
from conflict.names import normalize_name
from conflict.services.events import RETIRED_REASON
from conflict.services.snapshot import snapshot_forget, snapshot_value
from conflict.services.sql import fetch_prepared, model_columns, model_from_row
from conflict.services.writes import Write, update_write
from operations.logging import logs_report_id
from reports.fetch import FetchError, RawReport
from reports.models import Feed, Report

log = logging.getLogger(__name__)

# Errors worth retrying: the database went away, a server did not answer in time.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
NO_CLAIMS_REASON = RETIRED_REASON
# Near duplicates: bottom-k sketch of 5-word shingles of the normalised body.
SHINGLE_WORDS = 5
SKETCH_SIZE = 64
PREFILTER_KEYS = 16
PREFILTER_CANDIDATES = 50
PREFILTER_POSTINGS = 100
NEAR_DUPLICATE_JACCARD = 0.5
_WORD = re.compile(r"\w+")


class ReportInputError(ValueError):
    """Input that cannot become a report (empty, binary, too large...)."""


@dataclass(slots=True)
class IngestResult:
    outcome: str  # "created", "duplicate", "failed"
    report: Report | None
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    source_label: str = ""  # the file or URL it came from, for summaries

    @property
    def ok(self) -> bool:
        return self.outcome != "failed"


# --- small helpers ------------------------------------------------------------------

def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def body_sketch(text: str) -> list[str]:
    """The SKETCH_SIZE smallest hashes of the body's word 5-grams, after folding
    case, compatibility forms and look-alike letters: a syndicated copy with another
    headline and footer shares most of them."""
    norm = unicodedata.normalize("NFKC", _fold_lookalikes(text)).casefold()
    words = _WORD.findall(norm)
    if len(words) < SHINGLE_WORDS * 4:
        return []
    hashes = {
        int.from_bytes(hashlib.blake2b(" ".join(words[i:i + SHINGLE_WORDS]).encode(), digest_size=8).digest(), "big")
        for i in range(len(words) - SHINGLE_WORDS + 1)
    }
    return [format(h, "016x") for h in sorted(hashes)[:SKETCH_SIZE]]


def _fold_lookalikes(text: str) -> str:
    try:
        from reports.tagging.normalize import normalize_text
    except ImportError:  # pragma: no cover - the tagger ships normalize_text
        return text
    return normalize_text(text)


def sketch_jaccard(a: list[str], b: list[str]) -> float:
    """Jaccard similarity estimated from two bottom-k sketches."""
    return _sketch_jaccard(a, set(a), b)


def _sketch_jaccard(a: list[str], a_set: set[str], b: list[str]) -> float:
    if not a or not b:
        return 0.0
    k = min(SKETCH_SIZE, len(a), len(b))
    union_bottom = sorted(a_set.union(b))[:k]
    both = a_set.intersection(b)
    return sum(1 for h in union_bottom if h in both) / k


def _check_text(text: str, what: str) -> None:
    if not text or not text.strip():
        raise ReportInputError(f"{what} is empty")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > settings.TIDEMARK_MAX_REPORT_BYTES:
        raise ReportInputError(
            f"{what} is {size} bytes, over the limit of {settings.TIDEMARK_MAX_REPORT_BYTES} bytes "
            "(TIDEMARK_MAX_REPORT_BYTES)"
        )
    if "\x00" in text:
        raise ReportInputError(f"{what} looks binary (it contains NUL characters), not text")


def source_for(*, outlet: str, url: str = "") -> Source | None:
    """The Source an outlet name (or alias) stands for, created when unknown; without an
    outlet, the source whose site the URL is on, if any."""
    sources = snapshot_value("sources", lambda: list(Source.objects.all()))
    if outlet:
        key = normalize_name(outlet)
        for source in sources:
            if key in _source_keys(source.name, tuple(source.aliases or ())):
                return source
        name = outlet.strip()[:200]
        existing = Source.objects.filter(name__iexact=name).first()
        if existing:
            return existing
        taken = set(Source.objects.values_list("slug", flat=True))
        base = slugify(name)[:200] or "source"
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        snapshot_forget("sources")
        with transaction.atomic():
            try:
                return Source.objects.create(name=name, slug=slug, kind=Source.Kind.NEWS_OUTLET,
                                             notes="created by ingestion for an unknown outlet")
            except IntegrityError:
                pass
        return Source.objects.filter(name__iexact=name).first()
    host = _host(url)
    if host:
        for source in sources:
            hosts = {_host(source.url)} | {a.lower() for a in source.aliases or [] if "." in a and " " not in a}
            if host in hosts:
                return source
    return None


@functools.lru_cache(maxsize=4096)
def _source_keys(name: str, aliases: tuple[str, ...]) -> frozenset[str]:
    """The normalised spellings of a source's name and aliases (a pure function of them,
    so remembered: every ingested report compares its outlet with every source)."""
    return frozenset({normalize_name(name), *(normalize_name(a) for a in aliases)})


def _host(url: str) -> str:
    m = re.match(r"https?://([^/:?#]+)", url or "")
    return m.group(1).lower().removeprefix("www.") if m else ""


# --- ingest ---------------------------------------------------------------------------

def report_ingest(
    *,
    text: str | None = None,
    url: str = "",
    origin: str = "",
    file_name: str = "",
    title: str = "",
    outlet: str = "",
    published: dt.date | str | None = None,
    language: str = "",
    author: str = "",
    metadata: dict[str, Any] | None = None,
    queue_tagging: bool = True,
) -> IngestResult:
    """Store one report (the API's entry point): text, or a URL to fetch, plus metadata.

    Returns an IngestResult: "created" (queued for tagging), "duplicate" (the same text
    from the same origin is stored already; nothing new) or "failed" (stored with its
    error when it has an origin to retry from). Raises ReportInputError only for input
    with neither a usable text nor a URL.
    """
    from reports.fetch.files import parse_date, title_from_first_line

    if text is None or (not text.strip() and url):
        if not url:
            raise ReportInputError("a report needs a text or a URL")
        from reports.fetch.urls import fetch_article

        try:
            raw = fetch_article(url)
        except FetchError as exc:
            return report_record_failure(origin=origin or url, url=url, error=exc.message, file_name=file_name,
                                         metadata=metadata, transient=exc.transient)
        raw.origin = origin or raw.origin
    else:
        _check_text(text, "the report text")
        raw = RawReport(text=text, origin=origin or url, url=url)
        if not raw.origin:
            raw.origin = f"api:{content_hash(text)[:16]}"
        if not title:
            raw.title = title_from_first_line(text)
    raw.file_name = file_name or raw.file_name
    raw.title = title or raw.title
    raw.outlet = outlet or raw.outlet
    raw.language = (language or raw.language)[:12]
    raw.author = author or raw.author
    if isinstance(published, str) and published.strip():
        parsed = parse_date(published)
        if parsed is None:
            raw.warnings.append(f"published date {published!r} does not parse; left unknown")
            raw.metadata["published_raw"] = published
        raw.published = parsed
    elif isinstance(published, dt.date):
        raw.published = published
    raw.metadata.update(metadata or {})
    return report_ingest_raw(raw=raw, queue_tagging=queue_tagging)


def report_ingest_raw(*, raw: RawReport, queue_tagging: bool = True) -> IngestResult:
    """Store a RawReport: exact duplicates are recognised, the same text elsewhere is
    marked duplicate_of, a near-duplicate is linked; then tagging is queued on commit."""
    label = raw.file_name or raw.origin
    try:
        _check_text(raw.text, label)
    except ReportInputError as exc:
        return report_record_failure(origin=raw.origin, url=raw.url, file_name=raw.file_name, error=str(exc),
                                     metadata=raw.metadata)
    digest = content_hash(raw.text)
    try:
        with transaction.atomic():
            seen = _ingest_lookup(origin=raw.origin, file_name=raw.file_name, digest=digest)
            if seen.existing_id is not None:
                existing = Report.objects.get(pk=seen.existing_id)
                return IngestResult("duplicate", existing, f"already ingested as report {existing.pk}",
                                    raw.warnings, label)
            # A failed attempt at the same file or URL (nothing stored but its error) is filled in.
            report = Report.objects.get(pk=seen.failed_id) if seen.failed_id is not None else Report()
            report.origin = raw.origin
            _fill(report, raw, digest)
            report.duplicate_of_id = seen.first_id
            if seen.first_id is None:
                report.near_duplicate_of = near_duplicate_find(sketch=report.metadata.get("sketch") or [],
                                                               exclude_id=report.pk)
            _report_store(report)
            if queue_tagging:
                _queue_tag(report.pk)
    except IntegrityError:
        # The same origin and text arrived concurrently; the other one won.
        existing = Report.objects.filter(origin=raw.origin, content_hash=digest).first()
        return IngestResult("duplicate", existing, "already ingested (concurrently)", raw.warnings, label)
    message = ""
    if report.duplicate_of_id:
        message = f"same text as report {report.duplicate_of_id}"
    elif report.near_duplicate_of_id:
        message = f"near-duplicate of report {report.near_duplicate_of_id}"
    log.debug("report stored from %s%s", label, f" ({message})" if message else "", extra={"report_id": report.pk})
    return IngestResult("created", report, message, raw.warnings, label)


def _fill(report: Report, raw: RawReport, digest: str) -> None:
    report.url = raw.url[:1000] if raw.url.startswith(("http://", "https://")) else ""
    report.file_name = raw.file_name[:255]
    report.title = raw.title[:1000]
    report.author = raw.author[:300]
    report.published = raw.published
    report.published_inferred = False
    report.text = raw.text
    report.content_hash = digest
    report.language = raw.language[:12]
    metadata = dict(report.metadata or {})
    metadata.update(raw.metadata)
    if raw.outlet:
        metadata["outlet"] = raw.outlet
    if raw.warnings:
        metadata["warnings"] = list(raw.warnings)
    metadata["sketch"] = body_sketch(raw.text)
    report.metadata = metadata
    report.status = Report.Status.PENDING
    report.queued_at = timezone.now()  # in the outbox; cleared if the publish fails (reports.outbox)
    report.error = ""
    report.source = source_for(outlet=raw.outlet, url=raw.url)


@dataclass(slots=True)
class _Seen:
    existing_id: int | None  # this origin with this text: an exact duplicate
    failed_id: int | None  # a failed attempt at this origin (or file) with nothing stored
    first_id: int | None  # the first report of this text from anywhere


def _ingest_lookup(*, origin: str, file_name: str, digest: str) -> _Seen:
    """What ingesting needs to know of the stored reports, in one query of a few columns:
    the report of this origin and text (if any), the newest failed attempt at this origin
    or file that stored nothing, and the first report of this text anywhere."""
    tried = [origin, f"file:{file_name}"] if file_name else [origin]
    rows = fetch_prepared(
        "SELECT id, origin, content_hash, status, duplicate_of_id, ingested_at FROM reports_report"
        " WHERE (origin = %s::text AND content_hash = %s::text)"
        " OR (origin = ANY(%s::text[]) AND content_hash = '' AND status = %s::text)"
        " OR (content_hash = %s::text AND duplicate_of_id IS NULL) ORDER BY id",
        [origin, digest, tried, str(Report.Status.FAILED), digest],
    )
    existing = next((r[0] for r in rows if r[1] == origin and r[2] == digest), None)
    # The newest failed attempt, as Report's default ordering (-ingested_at, -id) gives it.
    failures = [r for r in rows if r[2] == "" and r[3] == Report.Status.FAILED
                and (r[1] == origin or (file_name and r[1] == f"file:{file_name}"))]
    failed_id = max(failures, key=lambda r: (r[5], r[0]))[0] if failures else None
    first_id = next((r[0] for r in rows if r[2] == digest and r[4] is None and r[0] != failed_id), None)
    return _Seen(existing, failed_id, first_id)


def sketch_key(h: str) -> int:
    """A sketch hash (16 hex digits) as the signed 64-bit integer PostgreSQL's
    `('x' || h)::bit(64)::bigint` gives (migration 0004 fills the table that way)."""
    value = int(h, 16)
    return value - (1 << 64) if value >= 1 << 63 else value


def _report_store(report: Report) -> None:
    """Save an ingested report and index its sketch keys (report_sketch_keys_store); a new
    report in one prepared statement, with the values report.save() would insert."""
    if report.pk is not None:  # a failed attempt filled in
        report.save()
        report_sketch_keys_store(report_id=report.pk, sketch=report.metadata.get("sketch") or [])
        return
    fields = [f for f in Report._meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(report, True), connection) for f in fields]
    [(pk,)] = fetch_prepared(_REPORT_INSERT_SQL, [*values, _sketch_keys(report.metadata.get("sketch") or [])])
    report.pk = pk
    report._state.adding = False
    report._state.db = connection.alias


def _report_insert_sql() -> str:
    quote = connection.ops.quote_name
    fields = [f for f in Report._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(f"%s::{f.db_type(connection)}" for f in fields)
    return (f"WITH r AS (INSERT INTO reports_report ({columns}) VALUES ({values}) RETURNING id),"
            " k AS (INSERT INTO reports_reportsketchkey (report_id, key) SELECT r.id, k FROM r"
            " CROSS JOIN unnest(%s::bigint[]) AS k ON CONFLICT DO NOTHING) SELECT id FROM r")


_REPORT_INSERT_SQL = _report_insert_sql()


def _sketch_keys(sketch: list[str]) -> list[int]:
    return sorted({sketch_key(h) for h in sketch[:PREFILTER_KEYS]})


def report_sketch_keys_store(*, report_id: int, sketch: list[str]) -> None:
    """Index a report's PREFILTER_KEYS smallest hashes for the near-duplicate prefilter
    (one INSERT). Two reports that are near-duplicates share many of their smallest
    hashes (the bottom-k estimate of their similarity rests on it), so the prefilter
    compares these; the whole sketch, kept on the report, decides."""
    keys = _sketch_keys(sketch)
    if not keys:
        return
    fetch_prepared("INSERT INTO reports_reportsketchkey (report_id, key) SELECT %s::bigint, k"
                   " FROM unnest(%s::bigint[]) AS k ON CONFLICT DO NOTHING", [report_id, keys])


_NEAR_DUPLICATE_SQL = (
    "SELECT r.id, r.near_duplicate_of_id, r.duplicate_of_id, r.metadata -> 'sketch' FROM reports_report r"
    " WHERE r.id IN (SELECT x.report_id FROM unnest(%s::bigint[]) AS k(key) CROSS JOIN LATERAL"
    " (SELECT s.report_id FROM reports_reportsketchkey s"
    "  WHERE s.key = k.key AND s.report_id IS DISTINCT FROM %s::bigint"
    "  ORDER BY s.report_id DESC LIMIT %s::bigint) AS x"
    "  GROUP BY x.report_id ORDER BY count(*) DESC, x.report_id LIMIT %s::bigint)"
    " ORDER BY r.id"
)


def near_duplicate_find(*, sketch: list[str], exclude_id: int | None = None) -> Report | None:
    """The earliest report whose body is nearly the same.

    Prefilter: the 50 reports that share the most of this sketch's PREFILTER_KEYS smallest
    hashes (ReportSketchKey), then the sketch estimate on each. Ranking by hashes shared,
    not by age, keeps a copy findable when many earlier reports share one of its sentences
    (an outlet's boilerplate, a quoted statement). A hash that many reports share counts
    only its PREFILTER_POSTINGS newest reports: such a hash tells copies from the rest
    poorly, and the work per report stays bounded however large the archive grows."""
    if not sketch:
        return None
    keys = [sketch_key(h) for h in sketch[:PREFILTER_KEYS]]
    candidates = fetch_prepared(_NEAR_DUPLICATE_SQL, [keys, exclude_id, PREFILTER_POSTINGS, PREFILTER_CANDIDATES])
    mine = set(sketch)
    best: tuple[float, int] | None = None
    for pk, near_of, dup_of, other in candidates:
        if isinstance(other, str):
            other = json.loads(other)
        if not isinstance(other, list):
            continue
        # The estimate counts shared hashes among the k smallest of both sketches, so it is
        # at most the share of all hashes they share: a candidate sharing too few (most of
        # them) is passed over without the sort.
        k = min(SKETCH_SIZE, len(sketch), len(other))
        if not k or len(mine.intersection(other)) < NEAR_DUPLICATE_JACCARD * k:
            continue
        score = _sketch_jaccard(sketch, mine, other)
        if score >= NEAR_DUPLICATE_JACCARD and (best is None or score > best[0]):
            best = (score, near_of or dup_of or pk)
    return Report.objects.get(pk=best[1]) if best else None


def _queue_tag(report_id: int) -> None:
    from reports.outbox import report_publish_on_commit

    # With the broker down this never fails the ingest: the report waits in the outbox.
    report_publish_on_commit(report_id=report_id)


def report_record_failure(
    *, origin: str, error: str, url: str = "", file_name: str = "", metadata: dict | None = None,
    transient: bool = False,
) -> IngestResult:
    """Keep a report that could not be read, with its error, so it can be retried."""
    label = file_name or origin
    if not origin:
        raise ReportInputError(error)
    with transaction.atomic():
        report = (Report.objects.select_for_update().filter(origin=origin, content_hash="").first()
                  or Report(origin=origin, text="", content_hash=""))
        report.url = url[:1000] if url.startswith(("http://", "https://")) else ""
        report.file_name = file_name[:255]
        report.status = Report.Status.FAILED
        report.error = error
        report.attempts = (report.attempts or 0) + 1
        report.metadata = {**(report.metadata or {}), **(metadata or {}), "transient": transient}
        report.save()
    log.info("%s not ingested: %s", label, error, extra={"report_id": report.pk})
    return IngestResult("failed", report, error, [], label)


# --- ingest from files, folders, URLs and feeds ---------------------------------------------

@dataclass(slots=True)
class Unit:
    """One thing to read: a file, or a URL (an article or a feed)."""

    kind: str  # "file", "url", "skipped", "missing"
    target: str


def ingest_units(targets: list[str]) -> list[Unit]:
    from reports.fetch.files import folder_files
    from reports.fetch.urls import is_url

    units: list[Unit] = []
    for target in targets:
        if is_url(target):
            units.append(Unit("url", target))
            continue
        path = Path(target)
        if path.is_dir():
            wanted, skipped = folder_files(path)
            units.extend(Unit("file", str(p)) for p in wanted)
            units.extend(Unit("skipped", str(p)) for p in skipped)
        elif path.is_file():
            units.append(Unit("file", str(path)))
        else:
            units.append(Unit("missing", target))
    return units


def ingest_file(*, path: Path, queue_tagging: bool = True) -> list[IngestResult]:
    """Every report in one file; errors become failed reports, never exceptions."""
    from reports.fetch.files import file_origin, read_path

    results: list[IngestResult] = []
    meta = {"path": str(path.resolve())}
    try:
        for item in read_path(path, max_bytes=settings.TIDEMARK_MAX_REPORT_BYTES):
            if isinstance(item, FetchError):
                where = item.message.split(":", 1)[0]
                origin = file_origin(where.replace(" line ", "#").replace(" item ", "#"))
                results.append(report_record_failure(origin=origin, file_name=path.name, error=item.message,
                                                     metadata=meta))
                continue
            item.metadata.update(meta)
            results.append(report_ingest_raw(raw=item, queue_tagging=queue_tagging))
    except FetchError as exc:
        results.append(report_record_failure(origin=file_origin(path.name), file_name=path.name, error=exc.message,
                                             metadata=meta))
    except OSError as exc:
        results.append(report_record_failure(origin=file_origin(path.name), file_name=path.name,
                                             error=f"{path.name} could not be read ({exc.strerror or exc})",
                                             metadata=meta))
    return results


def ingest_url(*, url: str, queue_tagging: bool = True, feed: Feed | None = None) -> list[IngestResult]:
    """An article URL, or a feed URL whose new items are ingested."""
    from reports.fetch.feeds import parse_feed
    from reports.fetch.urls import fetch, page_to_report

    try:
        page = fetch(url)
        if page.looks_like_feed:
            parsed = parse_feed(page.body, url=url)
            return [r for item in parsed.items for r in feed_item_ingest(item=item, feed=feed, feed_title=parsed.title,
                                                                          queue_tagging=queue_tagging)]
        raw = page_to_report(page)
    except FetchError as exc:
        return [report_record_failure(origin=url, url=url, error=exc.message, transient=exc.transient)]
    return [report_ingest_raw(raw=raw, queue_tagging=queue_tagging)]


def feed_item_ingest(*, item: Any, feed: Feed | None, feed_title: str = "", queue_tagging: bool = True
                     ) -> list[IngestResult]:
    """One feed item, unless a report of its link exists already (in any state)."""
    from reports.fetch.html import html_to_report
    from reports.fetch.urls import fetch_article

    if Report.objects.filter(Q(origin=item.link) | Q(url=item.link)).exists():
        return []
    try:
        raw = fetch_article(item.link)
    except FetchError as exc:
        if item.summary_html and len(item.summary_html) > 200:
            try:
                raw = html_to_report(item.summary_html, url=item.link, what=item.link)
                raw.origin = raw.url = item.link
                raw.warnings.append(f"article page unreadable ({exc.message}); used the feed's own text")
            except FetchError:
                return [report_record_failure(origin=item.link, url=item.link, error=exc.message,
                                              transient=exc.transient)]
        else:
            return [report_record_failure(origin=item.link, url=item.link, error=exc.message, transient=exc.transient)]
    raw.title = raw.title or item.title
    if raw.published is None:
        raw.published = item.published
    if not raw.outlet:
        raw.outlet = feed.source.name if feed and feed.source_id else (feed_title or "")
    raw.metadata.update({"feed_entry_id": item.entry_id})
    if feed is not None:
        raw.metadata["feed_id"] = feed.pk
    return [report_ingest_raw(raw=raw, queue_tagging=queue_tagging)]


def feed_add(*, url: str, title: str = "", outlet: str = "") -> Feed:
    feed, _ = Feed.objects.get_or_create(url=url, defaults={"title": title})
    if outlet and feed.source_id is None:
        feed.source = source_for(outlet=outlet)
        feed.save(update_fields=["source"])
    return feed


def feed_poll(*, feed_id: int, queue_tagging: bool = True) -> list[IngestResult]:
    """Fetch a feed (conditional GET) and ingest the items not seen before. A transient
    error (timeout, 5xx) is raised for the task to retry; others are kept on the feed."""
    from reports.fetch.feeds import parse_feed
    from reports.fetch.urls import fetch

    feed = Feed.objects.select_related("source").get(pk=feed_id)
    try:
        page = fetch(feed.url, etag=feed.etag, modified=feed.modified)
        items = [] if page.status == 304 else parse_feed(page.body, url=feed.url).items
    except FetchError as exc:
        Feed.objects.filter(pk=feed.pk).update(last_error=exc.message, last_polled_at=timezone.now())
        if exc.transient:
            raise
        return []
    results: list[IngestResult] = []
    for item in items:
        results.extend(feed_item_ingest(item=item, feed=feed, queue_tagging=queue_tagging))
    Feed.objects.filter(pk=feed.pk).update(
        last_error="", last_polled_at=timezone.now(), etag=page.etag[:300], modified=page.modified[:100]
    )
    return results


# --- tagging ----------------------------------------------------------------------------

@logs_report_id
def report_tag(*, report_id: int, force: bool = False) -> str:
    """Tag one report; returns "tagged", "not_tagged", "failed" or "skipped".

    The report is claimed with a conditional row lock inside the same transaction as
    everything it writes, so a task delivered twice tags it once (the second waits for
    the lock, then finds the report tagged), and a worker killed half-way leaves it
    pending for the redelivered task. `force` re-tags a tagged one.
    """
    statuses = [Report.Status.PENDING, Report.Status.FAILED]
    if force:
        statuses += [Report.Status.TAGGED, Report.Status.NOT_TAGGED, Report.Status.PROCESSING]
    outcome = "failed"
    # Set by the first on-commit hook: an error after it comes from a later hook (the
    # control recompute), when the tagging is committed and must not be undone or retried.
    committed: list[bool] = []
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(True))
            claimed = _report_claim(report_id=report_id, statuses=statuses)
            if claimed is None:
                return "skipped"
            outcome = _tag_claimed(claimed.report, txid=claimed.txid, has_machine_claims=claimed.has_machine_claims)
        return outcome
    except Exception as exc:
        if committed:
            log.exception("report %s is tagged, but a step after its commit failed", report_id)
            return outcome
        if isinstance(exc, TRANSIENT_ERRORS):
            raise
        # A bug or bad input in the tagger: keep it on the report, go on.
        log.exception("tagging report %s failed", report_id)
        report_mark_failed(report_id=report_id, error=f"tagging failed: {type(exc).__name__}: {exc}")
        return "failed"


@dataclass(frozen=True, slots=True)
class _Claimed:
    report: Report  # as it is after the claim, with its source (the id and affiliation read)
    txid: int  # this transaction's id, for the change feed
    has_machine_claims: bool  # a tagger's claims from an earlier tagging, to be replaced


def _report_claim(*, report_id: int, statuses: list[str]) -> _Claimed | None:
    """Claim a report for tagging: lock its row if its status is one of `statuses` and
    it has a text (the ORM's `select_for_update(no_key=True).filter(pk=...,
    status__in=...).exclude(text="")`), reading in the same round trip its source's
    affiliation, the transaction id and whether an earlier tagging left machine claims;
    None when the report is not there to claim. The attempt is counted (attempts,
    claimed_at) by the report's own update at the end of tagging, in this transaction:
    the row is written once, not once to claim it and again to finish."""
    rows = fetch_prepared(_CLAIM_SQL, [report_id, [str(x) for x in statuses]])
    if not rows:
        return None
    txid, has_machine_claims, affiliation_id, *values = rows[0]
    report = model_from_row(Report, values)
    report.status, report.attempts, report.claimed_at = Report.Status.PROCESSING, report.attempts + 1, timezone.now()
    if report.source_id is not None:
        # Tagging weighs a source by its affiliation only; any other field loads on access.
        report.source = Source.from_db(report._state.db, ["id", "affiliation_id"], [report.source_id, affiliation_id])
    return _Claimed(report=report, txid=txid, has_machine_claims=has_machine_claims)


_CLAIM_SQL = (
    "SELECT pg_current_xact_id()::text::bigint,"
    " EXISTS (SELECT 1 FROM conflict_claim c WHERE c.report_id = r.id AND c.created_by_id IS NULL"
    " AND c.tagger_version <> ''),"
    f" (SELECT s.affiliation_id FROM conflict_source s WHERE s.id = r.source_id), {model_columns(Report, 'r')}"
    " FROM reports_report r"
    " WHERE r.id = %s::bigint AND r.status = ANY(%s::text[]) AND NOT (r.text = '' AND r.text IS NOT NULL)"
    " FOR NO KEY UPDATE OF r"
)


@logs_report_id
def report_mark_failed(*, report_id: int, error: str) -> None:
    """The attempt that failed was rolled back with everything else; count it here."""
    Report.objects.filter(pk=report_id).update(status=Report.Status.FAILED, error=error[:5000],
                                               attempts=F("attempts") + 1, updated_at=timezone.now())


def _tag_claimed(report: Report, *, txid: int | None = None, has_machine_claims: bool = True) -> str:
    """Tag a claimed report, inside report_tag's transaction (rolled back whole on any
    error, so claims and events are written without savepoints of their own).
    has_machine_claims=False (known from the claim) saves looking for claims to replace."""
    from conflict.services.claims import claims_replace_in_transaction
    from conflict.services.events import events_merge_in_transaction
    from reports.lexicon import lexicon_current
    from reports.tagging import TAGGER_VERSION, tag

    started = time.perf_counter()
    lexicon = lexicon_current()
    given = None if report.published_inferred else report.published
    # A party's own outlet says "our forces": the tagger reads them as that party.
    outlet_actor_id = report.source.affiliation_id if report.source_id else None
    result = tag(report.text, published=given, lexicon=lexicon, title=report.title, outlet_actor_id=outlet_actor_id)
    version = (result.version or TAGGER_VERSION)[:40]
    report.language = (result.language or report.language or "")[:12]
    if given is None:
        report.published = result.published
        report.published_inferred = bool(result.published and result.published_inferred)
    report.spans = [
        {"kind": m.kind, "start": m.start, "end": m.end, "text": m.text, "ref": m.ref} for m in result.mentions
    ]
    report.tagger_version = version
    report.tagged_at = timezone.now()
    report.metadata = {**(report.metadata or {}), "lexicon_version": lexicon.version, "tag_flags": list(result.flags)}
    drafts = list(result.claims) if result.supported else []
    proposed = _proposed_places(report=report, result=result) if result.supported else {}
    replaced = claims_replace_in_transaction(report=report, drafts=drafts, tagger_version=version,
                                             proposed_places=proposed, save=False,
                                             has_machine_claims=has_machine_claims)
    if result.supported:
        report.status, report.error = Report.Status.TAGGED, ""
    else:
        report.status = Report.Status.NOT_TAGGED
        report.error = f"not tagged: the tagger does not handle the language {result.language or 'unknown'!r}"
    fields = ["language", "published", "published_inferred", "spans", "tagger_version", "tagged_at", "metadata",
              "status", "error", "attempts", "claimed_at", "updated_at"]  # never the text: stored once, as received
    unsent: list[bool] = []

    def report_write() -> list[Write]:
        # Tagging time per report, on the report, so /metrics can read it whichever process
        # tagged it: up to the merge's last statement, which carries this update.
        report.metadata["tag_seconds"] = round(time.perf_counter() - started, 4)
        report.updated_at = timezone.now()
        write = update_write([report], fields)
        if write is None:
            unsent.append(True)
        return [write] if write else []

    # The new claims are inserted by the merge, once their events are known (no second
    # write of every claim), and the report's update goes with its last statement; the
    # report's source (read with it) is what reconciling them weighs.
    events_merge_in_transaction(claims=[c for c in replaced.created if c.event_id is None], txid=txid,
                                sources={report.source_id: report.source} if report.source_id else None,
                                unsaved=replaced.created, last_writes=report_write)
    if unsent:
        report.save(update_fields=fields)
    _events_after_retag(event_ids=replaced.touched_event_ids | {c.event_id for c in replaced.kept_in_reviewed})
    log.debug("report %s: %d claims in %.3f s", report.status, len(drafts), report.metadata["tag_seconds"])
    return report.status


def _events_after_retag(*, event_ids: set[int]) -> None:
    """Events whose machine claims changed: refresh them from the claims they have, and
    retire an auto event left with none (rejected with a reason, through the one event
    write path, so the change feed tells API clients; reviewed and rejected events keep
    the editor's decision)."""
    from conflict.services.events import event_apply_change, event_refresh_from_claims

    if not event_ids:
        return  # a report tagged for the first time: no query
    for event in Event.objects.filter(pk__in=event_ids, merged_into__isnull=True).order_by("id"):
        if event.claims.exists():
            event_refresh_from_claims(event=event)
        elif event.status == Event.Status.AUTO:
            changes = {"status": Event.Status.REJECTED, "reject_reason": NO_CLAIMS_REASON}
            event_apply_change(event=event, changes=changes, action=ChangeRecord.Action.REJECT,
                               reason=NO_CLAIMS_REASON)


def _proposed_places(*, report: Report, result: Any) -> dict[str, int]:
    """A Place (status proposed) and a TaggerProposal for each name the gazetteer lacks."""
    names: dict[str, tuple[str, str]] = {}
    for draft in result.claims:
        if draft.place_id is None and draft.proposed_place:
            names.setdefault(draft.proposed_place, (draft.proposed_place_kind, draft.quote))
    for proposal in result.proposals:
        if proposal.name in names:
            kind, context = names[proposal.name]
            names[proposal.name] = (kind or proposal.kind, proposal.context or context)
    out: dict[str, int] = {}
    for name, (kind, context) in names.items():
        known = _place_proposed_again(name=name, report=report)
        out[name] = known if known is not None else place_propose(name=name, kind=kind, context=context,
                                                                   report=report).pk
    return out


def _place_proposed_again(*, name: str, report: Report) -> int | None:
    """place_propose for a name the database knows, in one prepared statement (a report
    that names a village the gazetteer lacks is seldom the first to): the place with that
    spelling and, when it is a proposal, this report added to its TaggerProposal. None
    when there is no such place, or its proposal is missing: place_propose does the rest."""
    normalized = normalize_name(name)[:200]
    rows = fetch_prepared(_PROPOSED_AGAIN_SQL, [normalized, str(Place.Status.MERGED), str(Place.Status.PROPOSED),
                                                str(TaggerProposal.Kind.PLACE), normalized, report.pk])
    if not rows:
        return None
    place_id, status, proposal_id = rows[0]
    return place_id if status != Place.Status.PROPOSED or proposal_id is not None else None


_PROPOSED_AGAIN_SQL = (
    "WITH known AS (SELECT n.place_id, p.status FROM conflict_placename n JOIN conflict_place p ON p.id = n.place_id"
    "  WHERE n.normalized = %s::text AND p.status <> %s::text ORDER BY p.status, n.place_id LIMIT 1),"
    " proposal AS (SELECT t.id FROM conflict_taggerproposal t, known WHERE known.status = %s::text"
    "  AND t.kind = %s::text AND t.normalized = %s::text),"
    f" linked AS (INSERT INTO {TaggerProposal.reports.through._meta.db_table} (taggerproposal_id, report_id)"
    "  SELECT proposal.id, %s::bigint FROM proposal ON CONFLICT DO NOTHING)"
    " SELECT known.place_id, known.status, (SELECT id FROM proposal) FROM known"
)


def place_propose(*, name: str, kind: str = "", context: str = "", report: Report | None = None) -> Place:
    """The place a report names that the gazetteer lacks: an existing place with that
    spelling, else a new proposed Place with the spelling and an open TaggerProposal."""
    from conflict.services.reference import script_of

    normalized = normalize_name(name)[:200]
    known = (PlaceName.objects.filter(normalized=normalized).exclude(place__status=Place.Status.MERGED)
             .select_related("place").order_by("place__status", "place_id").first())
    if known is not None:
        place = known.place
    else:
        base = slugify(name)[:200] or "place"
        slug, n = base, 2
        while Place.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        place = Place.objects.create(name=name[:200], slug=slug, kind=kind if kind in dict(Place._meta.get_field(
            "kind").choices) else "village", status=Place.Status.PROPOSED, data_source="tagger proposal")
        PlaceName.objects.create(place=place, name=name[:200], normalized=normalized, script=script_of(name),
                                 is_primary=True)
    if place.status == Place.Status.PROPOSED:
        proposal, _ = TaggerProposal.objects.get_or_create(
            kind=TaggerProposal.Kind.PLACE, normalized=normalized,
            defaults={"name": name[:200], "place": place, "context": context[:2000]},
        )
        if report is not None:
            proposal.reports.add(report)
    return place


# --- retry and re-tag ---------------------------------------------------------------------

@logs_report_id
def report_retry(*, report_id: int, in_process: bool = False) -> str:
    """Try a failed report again: read its file or URL again when nothing was stored,
    then tag it (in this process, or queued). Returns the new status."""
    report = Report.objects.get(pk=report_id)
    if report.status != Report.Status.FAILED:
        return report.status
    if not report.text:
        results = _refetch(report)
        report.refresh_from_db()
        created = [r for r in results if r.outcome == "created"]
        if not created:
            return report.status if not results else ("duplicate" if results[0].outcome == "duplicate" else "failed")
        report = created[0].report
    else:
        Report.objects.filter(pk=report.pk, status=Report.Status.FAILED).update(status=Report.Status.PENDING,
                                                                                queued_at=timezone.now())
    if in_process:
        return report_tag(report_id=report.pk)
    transaction.on_commit(lambda: _queue_now(report.pk))
    return Report.Status.PENDING


def _queue_now(report_id: int) -> None:
    from reports.outbox import report_publish

    report_publish(report_id=report_id)


def _refetch(report: Report) -> list[IngestResult]:
    path = (report.metadata or {}).get("path")
    if path and Path(path).is_file():
        return ingest_file(path=Path(path), queue_tagging=False)
    if report.url or report.origin.startswith(("http://", "https://")):
        return ingest_url(url=report.url or report.origin, queue_tagging=False)
    report_record_failure(origin=report.origin, file_name=report.file_name,
                          error=f"{report.error} (and there is nothing to read it from again)")
    return []


def reports_failed() -> Iterator[int]:
    return Report.objects.filter(status=Report.Status.FAILED).order_by("id").values_list("id", flat=True).iterator()


def reports_to_retag(*, all_reports: bool = False, report_ids: list[int] | None = None, stale: bool = False
                     ) -> list[int]:
    """Reports to tag again: all, some by id, or the stale ones (tagged by another tagger
    version, or with an older gazetteer and actor list)."""
    qs = Report.objects.exclude(text="")
    if report_ids:
        return list(qs.filter(pk__in=report_ids).order_by("id").values_list("id", flat=True))
    if all_reports:
        return list(qs.order_by("id").values_list("id", flat=True))
    if stale:
        from reports.lexicon import lexicon_current
        from reports.tagging import TAGGER_VERSION

        lexicon_version = lexicon_current().version
        return list(
            qs.filter(status__in=[Report.Status.TAGGED, Report.Status.NOT_TAGGED])
            .filter(~Q(tagger_version=TAGGER_VERSION) | ~Q(metadata__lexicon_version=lexicon_version))
            .order_by("id").values_list("id", flat=True)
        )
    return []


def report_retag(*, report_id: int) -> str:
    return report_tag(report_id=report_id, force=True)
