"""The domain: places, actors, sources, claims, events, control periods, history.

See ../shared/docs/domain.md. Dates are stored as three columns (start, end,
precision) and read back as conflict.dates.DateInterval through the `date`
properties; there is never one invented day.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import DateRangeField
from django.contrib.postgres.indexes import GistIndex
from django.db import models
from django.db.models import Case, Func, Q, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan

from conflict.dates import PRECISIONS, DateInterval

PRECISION_CHOICES = [(p, p) for p in PRECISIONS]


class EventType(models.TextChoices):
    CAPTURE = "capture"
    WITHDRAWAL = "withdrawal"
    SIEGE = "siege"
    CLASH = "clash"
    ATTACK = "attack"
    ADVANCE = "advance"
    AIRSTRIKE = "airstrike"
    ARREST = "arrest"


class ClaimType(models.TextChoices):
    """A claim is an event type, or `held`: a statement that a side holds a place
    ("the SDF-held town of Bahrah"), which supports a control period but is no event."""

    CAPTURE = "capture"
    WITHDRAWAL = "withdrawal"
    SIEGE = "siege"
    CLASH = "clash"
    ATTACK = "attack"
    ADVANCE = "advance"
    AIRSTRIKE = "airstrike"
    ARREST = "arrest"
    HELD = "held"


class PlaceKind(models.TextChoices):
    CITY = "city"
    TOWN = "town"
    VILLAGE = "village"
    OIL_FIELD = "oil_field"
    GAS_FIELD = "gas_field"
    BORDER_CROSSING = "border_crossing"
    MILITARY_BASE = "military_base"
    REGION = "region"
    SITE = "site"


class Place(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed"
        # Named by a report as a town, village or field but missing from the gazetteer:
        # an editor confirms it with coordinates or folds it into an existing place.
        PROPOSED = "proposed"
        MERGED = "merged"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    kind = models.CharField(max_length=20, choices=PlaceKind.choices, default=PlaceKind.VILLAGE)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    admin1 = models.CharField("governorate", max_length=100, blank=True)
    admin2 = models.CharField("district", max_length=100, blank=True)
    geonames_id = models.BigIntegerField(null=True, blank=True, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CONFIRMED)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_places"
    )
    data_source = models.CharField(max_length=60, blank=True, help_text="where the coordinates come from")
    population = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["status", "name"]), models.Index(fields=["admin1"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90) | Q(lat__isnull=True), name="place_lat_range"
            ),
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180) | Q(lon__isnull=True), name="place_lon_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_proposed(self) -> bool:
        return self.status == self.Status.PROPOSED


class PlaceName(models.Model):
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200, db_index=True)
    language = models.CharField(max_length=12, blank=True)
    script = models.CharField(max_length=12, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["place", "name"], name="placename_unique_per_place")]

    def __str__(self) -> str:
        return self.name


class Actor(models.Model):
    class Kind(models.TextChoices):
        ARMED_GROUP = "armed_group"
        STATE_FORCE = "state_force"
        COALITION = "coalition"
        MILITIA = "militia"
        TRIBAL = "tribal"
        OTHER = "other"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ARMED_GROUP)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="members",
        help_text="the actor it is part of (the YPG is part of the SDF)",
    )
    description = models.TextField(blank=True)
    color = models.CharField(max_length=7, blank=True, help_text="#rrggbb used on maps and control bands")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ActorName(models.Model):
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200, db_index=True)
    language = models.CharField(max_length=12, blank=True)
    # Generic words ("the militants", "regime forces") stand for the actor only in
    # context; the tagger treats them with less weight than a proper name.
    is_generic = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "name"], name="actorname_unique_per_actor")]

    def __str__(self) -> str:
        return self.name


class ActorRelation(models.Model):
    class Kind(models.TextChoices):
        PART_OF = "part_of"
        BACKED_BY = "backed_by"
        ALLIED_WITH = "allied_with"

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="relations")
    other = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="inverse_relations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["actor", "other", "kind", "valid_from"], name="actorrelation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.kind} {self.other}"


class Source(models.Model):
    class Kind(models.TextChoices):
        NEWS_OUTLET = "news_outlet"
        MONITOR = "monitor"
        PARTY_SPOKESPERSON = "party_spokesperson"
        PARTY_MEDIA = "party_media"
        OTHER = "other"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=220, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEWS_OUTLET)
    url = models.URLField(blank=True)
    aliases = models.JSONField(default=list, blank=True, help_text="other names the outlet or voice goes by")
    affiliation = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="affiliated_sources",
        help_text="the actor this source speaks for or is close to",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DatedModel(models.Model):
    date_start = models.DateField(null=True, blank=True)
    date_end = models.DateField(null=True, blank=True)
    date_precision = models.CharField(max_length=8, choices=PRECISION_CHOICES, default="unknown")

    class Meta:
        abstract = True

    @property
    def date(self) -> DateInterval:
        return DateInterval(self.date_start, self.date_end, self.date_precision)

    def set_date(self, interval: DateInterval) -> None:
        self.date_start, self.date_end, self.date_precision = interval.start, interval.end, interval.precision


class Event(DatedModel):
    class Status(models.TextChoices):
        AUTO = "auto"
        REVIEWED = "reviewed"
        REJECTED = "rejected"

    type = models.CharField(max_length=12, choices=EventType.choices)
    # The place and actor keys are served by the composite indexes below (their first
    # column): a single-column index of each would only cost every write.
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="events", db_index=False)
    actor1 = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="events_as_actor1",
                               db_index=False)
    actor2 = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="events_as_actor2",
                               db_index=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AUTO)
    confidence = models.FloatField(default=0.5)
    # Sparse keys (merged_into, reviewed_by) are indexed where set only (Meta.indexes):
    # nearly every event has neither, and a full index would cost every write.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_events", db_index=False
    )
    reject_reason = models.TextField(blank=True)
    # Where the claims disagree (dates, actors), as shown to readers: a list of
    # {"field": ..., "values": [...]} built by the merge service.
    disagreements = models.JSONField(default=list, blank=True)
    # Flags for the editor (e.g. a weekday that contradicts its date).
    flags = models.JSONField(default=list, blank=True)
    casualties = models.JSONField(default=dict, blank=True)
    # Optimistic locking: an edit names the version it started from.
    version = models.PositiveIntegerField(default=1)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # indexed by event_updated_id

    class Meta:
        ordering = ["date_start", "id"]
        indexes = [
            models.Index(fields=["place", "date_start", "id"], name="event_place_date"),
            models.Index(fields=["status", "updated_at"], name="event_status_updated"),
            models.Index(fields=["updated_at", "id"], name="event_updated_id"),
            models.Index(fields=["date_start", "id"], name="event_date_id"),
            models.Index(fields=["actor1", "date_start"], name="event_actor1_date"),
            models.Index(fields=["actor2", "date_start"], name="event_actor2_date"),
            models.Index(fields=["merged_into"], name="event_merged_into", condition=Q(merged_into__isnull=False)),
            models.Index(fields=["reviewed_by"], name="event_reviewed_by", condition=Q(reviewed_by__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.type} at {self.place} ({self.date})"


class Claim(DatedModel):
    # report and place are served by claim_report_span and claim_place_type (first column).
    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="claims", db_index=False)
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="claims")
    type = models.CharField(max_length=12, choices=ClaimType.choices)
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT, related_name="claims",
                              db_index=False)
    actor1 = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="claims_as_actor1")
    actor2 = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="claims_as_actor2")
    span_start = models.PositiveIntegerField()
    span_end = models.PositiveIntegerField()
    quote = models.TextField()
    speaker = models.CharField(max_length=200, blank=True, help_text="who says it: the outlet, or a party it quotes")
    # Sparse keys (speaker_actor, created_by) are indexed where set only (Meta.indexes).
    speaker_actor = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="claims_spoken", db_index=False
    )
    # Set for machine claims; an editor's claim has tagger_version "" and created_by set.
    tagger_version = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # Spans of the parts (place, actors, date, trigger) inside the report text.
    evidence = models.JSONField(default=dict, blank=True)
    flags = models.JSONField(default=list, blank=True)
    casualties = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report_id", "span_start"]
        indexes = [
            models.Index(fields=["place", "type"], name="claim_place_type"),
            models.Index(fields=["report", "span_start"], name="claim_report_span"),
            models.Index(fields=["speaker_actor"], name="claim_speaker_actor",
                         condition=Q(speaker_actor__isnull=False)),
            models.Index(fields=["created_by"], name="claim_created_by", condition=Q(created_by__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(span_end__gte=models.F("span_start")), name="claim_span_order"),
        ]

    def __str__(self) -> str:
        return f"{self.type}: {self.quote[:60]}"

    @property
    def is_machine(self) -> bool:
        return bool(self.tagger_version)


def _lower() -> Coalesce:
    return Coalesce("start_start", "start_end")


def _upper() -> Coalesce:
    return Coalesce("end_end", "end_start")


def control_span() -> Func:
    """The days a control period may cover, as a daterange with inclusive bounds: from the
    earliest possible start to the latest possible end, unbounded where the period has no
    start or no end (the rule of ../shared/tools/score_control.py). A period whose bounds
    are inverted covers its first possible day only, rather than making the range invalid."""
    upper = Case(When(GreaterThan(_lower(), _upper()), then=_lower()), default=_upper())
    return Func(_lower(), upper, Value("[]"), function="daterange", output_field=DateRangeField())


class ControlPeriod(models.Model):
    class State(models.TextChoices):
        HELD = "held"
        CONTESTED = "contested"
        BESIEGED = "besieged"

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="control_periods")
    holder = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="control_periods")
    state = models.CharField(max_length=10, choices=State.choices, default=State.HELD)
    start_start = models.DateField(null=True, blank=True)
    start_end = models.DateField(null=True, blank=True)
    start_precision = models.CharField(max_length=8, choices=PRECISION_CHOICES, blank=True)
    end_start = models.DateField(null=True, blank=True)
    end_end = models.DateField(null=True, blank=True)
    end_precision = models.CharField(max_length=8, choices=PRECISION_CHOICES, blank=True)
    confidence = models.FloatField(default=0.5)
    events = models.ManyToManyField(Event, blank=True, related_name="control_periods")
    # Other holders that some sources name for this period, shown beside it.
    alternatives = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["place_id", "position"]
        indexes = [
            models.Index(fields=["place", "position"], name="control_place_position"),
            # "Who held every place on day D" (the front map) is one indexed range lookup.
            GistIndex(control_span(), name="control_span_gist"),
        ]

    def __str__(self) -> str:
        return f"{self.place}: {self.holder or 'unknown'} ({self.state})"

    @property
    def start(self) -> DateInterval | None:
        if self.start_start is None and self.start_end is None:
            return None
        return DateInterval(self.start_start, self.start_end, self.start_precision or "unknown")

    @property
    def end(self) -> DateInterval | None:
        if self.end_start is None and self.end_end is None:
            return None
        return DateInterval(self.end_start, self.end_end, self.end_precision or "unknown")


class ChangeRecord(models.Model):
    """One change to an event, claim, place or actor: who, when, before and after.

    Undoing a change writes a new record (undoes=the original), so history only grows.
    """

    class Action(models.TextChoices):
        CREATE = "create"
        UPDATE = "update"
        ACCEPT = "accept"
        REJECT = "reject"
        MERGE = "merge"
        SPLIT = "split"
        UNDO = "undo"
        RETAG = "retag"

    object_type = models.CharField(max_length=20)  # "event", "claim", "place", "actor", "report"
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    # user and undoes are indexed where set only (Meta.indexes): the tagger's records have neither.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    undoes = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="undone_by",
                               db_index=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="change_object_at"),
            models.Index(fields=["user"], name="change_user", condition=Q(user__isnull=False)),
            models.Index(fields=["undoes"], name="change_undoes", condition=Q(undoes__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id}"


class EventChange(models.Model):
    """The change feed of /api/changes/: one row per event write, in commit order.

    `txid` is the writing transaction's id, so a reader can hold back rows of
    transactions that have not committed yet (see conflict.selectors).
    """

    class Kind(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        MERGED = "merged"
        REJECTED = "rejected"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    merged_into = models.ForeignKey(Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    db_index=False)  # indexed where set only: few rows are merges
    txid = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["merged_into"], name="eventchange_merged_into",
                         condition=Q(merged_into__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} event {self.event_id}"


class TaggerProposal(models.Model):
    """Something the tagger found that is not in the reference data: a new place or an
    actor alias. An editor creates it, folds it into an existing record, or dismisses it."""

    class Kind(models.TextChoices):
        PLACE = "place"
        ACTOR_ALIAS = "actor_alias"

    class Status(models.TextChoices):
        OPEN = "open"
        ACCEPTED = "accepted"
        DISMISSED = "dismissed"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals")
    actor = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals")
    reports = models.ManyToManyField("reports.Report", blank=True, related_name="proposals")
    context = models.TextField(blank=True, help_text="the sentence it was found in")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "normalized"], name="proposal_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}"


class ReferenceDataVersion(models.Model):
    """Bumped whenever the gazetteer or the actor list changes, so a worker knows its
    cached lookup tables are stale."""

    name = models.CharField(max_length=40, unique=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
