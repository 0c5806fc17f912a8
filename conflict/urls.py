"""Public pages: home, search, places, events, actors, sources, reports."""

from django.urls import path

from conflict.views import front, pages

app_name = "conflict"
urlpatterns = [
    path("", pages.home, name="home"),
    path("search/", pages.search, name="search"),
    path("map/", front.front_map, name="front"),
    path("map/frame/", front.front_frame, name="front_frame"),
    path("map/front.svg", front.front_map_svg, name="front_svg"),
    path("map/front.geojson", front.front_map_geojson, name="front_geojson"),
    path("places/<slug:slug>/", pages.place_detail, name="place"),
    path("places/<slug:slug>/events.csv", pages.place_events_csv, name="place_events_csv"),
    path("places/<slug:slug>/events.geojson", pages.place_events_geojson, name="place_events_geojson"),
    path("events/<int:event_id>/", pages.event_detail, name="event"),
    path("actors/<slug:slug>/", pages.actor_detail, name="actor"),
    path("sources/<slug:slug>/", pages.source_detail, name="source"),
    path("reports/<int:report_id>/", pages.report_detail, name="report"),
]
