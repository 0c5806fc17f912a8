from django.contrib import admin

from reports.models import Feed, Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "origin", "published", "status", "language", "ingested_at")
    list_filter = ("status", "language", "source")
    search_fields = ("title", "origin", "file_name")
    readonly_fields = ("content_hash", "ingested_at", "text")
    raw_id_fields = ("duplicate_of", "near_duplicate_of", "source")


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = ("url", "title", "active", "last_polled_at", "last_error")
    list_filter = ("active",)
