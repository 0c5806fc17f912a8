"""Serializers of the API: the one input (a submitted report) and, for the OpenAPI
schema only, the shapes of the records that conflict.selectors build.

Responses are rendered straight from the selectors' records (one shape shared with the
exports); these classes describe them so the schema, the docs page and schemathesis
know exactly what comes back.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

# --- input ----------------------------------------------------------------------------


class ReportSubmitSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                 help_text="the article text exactly as received")
    url = serializers.URLField(required=False, allow_blank=True, max_length=1000,
                               help_text="where the article is; fetched when no text is given")
    title = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    outlet = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                   help_text="the outlet or voice (a source name or alias)")
    published = serializers.DateField(required=False, allow_null=True)
    language = serializers.CharField(required=False, allow_blank=True, max_length=12)

    def validate_text(self, value: str) -> str:
        size = len(value.encode("utf-8", "surrogatepass"))
        limit = settings.TIDEMARK_MAX_REPORT_BYTES
        if size > limit:
            raise serializers.ValidationError(f"the text is {size} bytes, over the limit of {limit} bytes")
        if "\x00" in value:
            raise serializers.ValidationError("the text contains NUL characters")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (attrs.get("text") or "").strip() and not attrs.get("url"):
            raise serializers.ValidationError({"text": ["give the report's text, or its url"]})
        return attrs


class ReportAcceptedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_url = serializers.URLField()
    outcome = serializers.ChoiceField(choices=["created", "duplicate", "failed"])
    message = serializers.CharField(allow_blank=True)


# --- output shapes (schema only) --------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(required=False)


class DateIntervalSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    precision = serializers.ChoiceField(choices=["day", "week", "month", "year", "unknown"])


class FeedPlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    kind = serializers.CharField()
    lat = serializers.FloatField(allow_null=True)
    lon = serializers.FloatField(allow_null=True)
    admin1 = serializers.CharField(allow_blank=True)
    status = serializers.CharField()


class ActorRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ClaimReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    origin = serializers.CharField()
    file_name = serializers.CharField(allow_blank=True)
    title = serializers.CharField(allow_blank=True)
    published = serializers.DateField(allow_null=True)
    source = serializers.CharField(allow_null=True)


class ClaimRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    report = ClaimReportSerializer()
    quote = serializers.CharField(allow_blank=True)
    span = serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2)
    date = DateIntervalSerializer()
    speaker = serializers.CharField(allow_blank=True)
    tagger_version = serializers.CharField(allow_blank=True)
    flags = serializers.JSONField()


class EventRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    status = serializers.ChoiceField(choices=["auto", "reviewed", "rejected"])
    date = DateIntervalSerializer()
    place = FeedPlaceSerializer()
    actor1 = ActorRefSerializer(allow_null=True)
    actor2 = ActorRefSerializer(allow_null=True)
    confidence = serializers.FloatField()
    claims = ClaimRecordSerializer(many=True)
    disagreements = serializers.JSONField()
    flags = serializers.JSONField()
    casualties = serializers.JSONField()
    merged_into = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField()


class HistoryEntrySerializer(serializers.Serializer):
    action = serializers.CharField()
    at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)


class HistorySummarySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    changes = HistoryEntrySerializer(many=True)


class EventDetailSerializer(EventRecordSerializer):
    history = HistorySummarySerializer()
    version = serializers.IntegerField()
    reviewed_at = serializers.DateTimeField(allow_null=True)


class EventPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="the next page, or null on the last one")
    results = EventRecordSerializer(many=True)


class TombstoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["merged", "rejected", "deleted"])
    merged_into = serializers.IntegerField(allow_null=True)
    status = serializers.CharField(allow_null=True)


class ChangeEntrySerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["created", "updated", "merged", "rejected"])
    event_id = serializers.IntegerField()
    at = serializers.DateTimeField()
    event = EventRecordSerializer(required=False, help_text="the event as it is now (absent for a tombstone)")
    tombstone = TombstoneSerializer(required=False, help_text="the event is merged or rejected: drop it")


class ChangePageSerializer(serializers.Serializer):
    changes = ChangeEntrySerializer(many=True)
    cursor = serializers.CharField(help_text="pass as ?cursor= to continue after these changes")
    has_more = serializers.BooleanField()
    next = serializers.URLField()


class PlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    kind = serializers.CharField()
    lat = serializers.FloatField(allow_null=True)
    lon = serializers.FloatField(allow_null=True)
    admin1 = serializers.CharField(allow_blank=True)
    admin2 = serializers.CharField(allow_blank=True)
    status = serializers.CharField()
    names = serializers.ListField(child=serializers.CharField())


class PlacePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = PlaceSerializer(many=True)


class ControlPeriodSerializer(serializers.Serializer):
    place = ActorRefSerializer()
    holder = ActorRefSerializer(allow_null=True)
    state = serializers.ChoiceField(choices=["held", "contested", "besieged"])
    start = DateIntervalSerializer(allow_null=True)
    end = DateIntervalSerializer(allow_null=True)
    confidence = serializers.FloatField()
    events = serializers.ListField(child=serializers.IntegerField())
    alternatives = serializers.JSONField()


class ControlFeedSerializer(serializers.Serializer):
    place = PlaceSerializer()
    periods = ControlPeriodSerializer(many=True)


class ControlMapPlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    kind = serializers.CharField()
    admin1 = serializers.CharField(allow_blank=True)


class ControlBoundsSerializer(serializers.Serializer):
    start = DateIntervalSerializer(allow_null=True, help_text="null: since before the first report")
    end = DateIntervalSerializer(allow_null=True, help_text="null: still current")


class ControlOnDateSerializer(serializers.Serializer):
    holder = ActorRefSerializer(allow_null=True, help_text="null when no report says who held the place")
    color = serializers.CharField(allow_null=True, help_text="#rrggbb of the holder, as the map draws it")
    state = serializers.ChoiceField(choices=["held", "contested", "besieged"], allow_null=True)
    confidence = serializers.FloatField(allow_null=True)
    uncertain = serializers.BooleanField(
        allow_null=True, help_text="the date falls inside an uncertain boundary between periods with different holders")
    period = ControlBoundsSerializer(allow_null=True, help_text="the control period that answers for the date")


class ControlMapPropertiesSerializer(ControlOnDateSerializer):
    place = ControlMapPlaceSerializer()
    compare = ControlOnDateSerializer(required=False, allow_null=True,
                                      help_text="the place on the `compare` date (only with compare=)")
    changed = serializers.BooleanField(required=False, help_text="holder differs between the two dates")
    change_events = serializers.ListField(child=serializers.IntegerField(), required=False,
                                          help_text="captures and withdrawals at the place between the two dates")


class PointSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Point"])
    coordinates = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2,
                                        help_text="[longitude, latitude]")


class ControlMapFeatureSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField(help_text="the place id")
    geometry = PointSerializer(allow_null=True)
    properties = ControlMapPropertiesSerializer()


class DataSpanSerializer(serializers.Serializer):
    first = serializers.DateField(allow_null=True)
    last = serializers.DateField(allow_null=True)


class ControlMapSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    at = serializers.DateField()
    compare = serializers.DateField(allow_null=True)
    previous_change = serializers.DateField(allow_null=True, help_text="the last day before `at` a place changed hands")
    next_change = serializers.DateField(allow_null=True, help_text="the first day after `at` a place changed hands")
    span = DataSpanSerializer(help_text="the first and last dates of the control data")
    features = ControlMapFeatureSerializer(many=True)


class ActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    kind = serializers.CharField()
    parent = ActorRefSerializer(allow_null=True)
    color = serializers.CharField(allow_blank=True)
    aliases = serializers.ListField(child=serializers.CharField())


class ActorPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = ActorSerializer(many=True)


class SourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    kind = serializers.CharField()
    url = serializers.CharField(allow_blank=True)
    aliases = serializers.ListField(child=serializers.CharField())
    affiliation = ActorRefSerializer(allow_null=True)


class SourcePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = SourceSerializer(many=True)


class ReportSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    origin = serializers.CharField()
    url = serializers.CharField(allow_blank=True)
    file_name = serializers.CharField(allow_blank=True)
    title = serializers.CharField(allow_blank=True)
    published = serializers.DateField(allow_null=True)
    language = serializers.CharField(allow_blank=True)
    source = ActorRefSerializer(allow_null=True)
    status = serializers.CharField()
    ingested_at = serializers.DateTimeField()
    duplicate_of = serializers.IntegerField(allow_null=True)


class ReportClaimSerializer(ClaimRecordSerializer):
    event = serializers.IntegerField(allow_null=True)
    place = serializers.IntegerField(allow_null=True)
    actor1 = serializers.IntegerField(allow_null=True)
    actor2 = serializers.IntegerField(allow_null=True)


class ReportDetailSerializer(ReportSummarySerializer):
    text = serializers.CharField(allow_blank=True)
    spans = serializers.JSONField()
    error = serializers.CharField(allow_blank=True)
    tagged_at = serializers.DateTimeField(allow_null=True)
    claims = ReportClaimSerializer(many=True)


class ReportPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = ReportSummarySerializer(many=True)
