from django.contrib import admin

from conflict.models import (
    Actor,
    ActorName,
    ActorRelation,
    ChangeRecord,
    Claim,
    ControlPeriod,
    Event,
    EventChange,
    Place,
    PlaceName,
    ReferenceDataVersion,
    Source,
    TaggerProposal,
)


class PlaceNameInline(admin.TabularInline):
    model = PlaceName
    extra = 1
    fields = ("name", "normalized", "language", "script", "is_primary")
    readonly_fields = ("normalized",)


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "admin1", "lat", "lon", "status", "geonames_id")
    list_filter = ("kind", "status", "admin1")
    search_fields = ("name", "names__name", "slug")
    inlines = [PlaceNameInline]
    raw_id_fields = ("parent", "merged_into")


class ActorNameInline(admin.TabularInline):
    model = ActorName
    extra = 1
    fields = ("name", "normalized", "language", "is_generic")
    readonly_fields = ("normalized",)


class ActorRelationInline(admin.TabularInline):
    model = ActorRelation
    fk_name = "actor"
    extra = 0


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "names__name")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ActorNameInline, ActorRelationInline]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "affiliation", "url")
    list_filter = ("kind",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


class ClaimInline(admin.TabularInline):
    model = Claim
    extra = 0
    fields = ("type", "place", "actor1", "actor2", "date_start", "date_end", "date_precision", "quote", "report")
    raw_id_fields = ("place", "actor1", "actor2", "report")
    show_change_link = True


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("id", "type", "place", "actor1", "actor2", "date_start", "date_end", "status", "confidence")
    list_filter = ("status", "type")
    search_fields = ("place__name", "actor1__name", "actor2__name")
    raw_id_fields = ("place", "actor1", "actor2", "merged_into", "reviewed_by")
    date_hierarchy = "updated_at"
    inlines = [ClaimInline]


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ("id", "type", "place", "actor1", "actor2", "date_start", "report", "tagger_version")
    list_filter = ("type", "tagger_version")
    search_fields = ("quote",)
    raw_id_fields = ("report", "event", "place", "actor1", "actor2", "speaker_actor", "created_by")


@admin.register(ControlPeriod)
class ControlPeriodAdmin(admin.ModelAdmin):
    list_display = ("place", "holder", "state", "start_start", "end_end", "confidence")
    list_filter = ("state",)
    raw_id_fields = ("place", "holder", "events")


@admin.register(ChangeRecord)
class ChangeRecordAdmin(admin.ModelAdmin):
    list_display = ("at", "object_type", "object_id", "action", "user")
    list_filter = ("object_type", "action")
    readonly_fields = [f.name for f in ChangeRecord._meta.fields]


@admin.register(EventChange)
class EventChangeAdmin(admin.ModelAdmin):
    list_display = ("id", "event", "kind", "at")
    raw_id_fields = ("event", "merged_into")


@admin.register(TaggerProposal)
class TaggerProposalAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "status", "created_at")
    list_filter = ("kind", "status")
    raw_id_fields = ("place", "actor", "reports")


admin.site.register(ReferenceDataVersion)
