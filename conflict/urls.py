"""Public pages: home, places, actors, sources, reports, feeds (owned by the timelines work)."""

from django.urls import path

from conflict.views import pages

app_name = "conflict"
urlpatterns = [
    path("", pages.home, name="home"),
]
