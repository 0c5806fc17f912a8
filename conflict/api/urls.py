"""The REST API, its OpenAPI schema and the documentation page (served from the app)."""

from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from conflict.api import views

app_name = "api"
urlpatterns = [
    path("events/", views.EventListView.as_view(), name="event-list"),
    path("events/<int:pk>/", views.EventDetailView.as_view(), name="event-detail"),
    path("changes/", views.ChangeFeedView.as_view(), name="change-list"),
    path("places/", views.PlaceListView.as_view(), name="place-list"),
    path("places/<int:pk>/", views.PlaceDetailView.as_view(), name="place-detail"),
    path("places/<int:pk>/control/", views.PlaceControlView.as_view(), name="place-control"),
    path("control/", views.ControlMapView.as_view(), name="control-map"),
    path("actors/", views.ActorListView.as_view(), name="actor-list"),
    path("sources/", views.SourceListView.as_view(), name="source-list"),
    path("reports/", views.ReportListView.as_view(), name="report-list"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="report-detail"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from a URL, so the page needs no inline script
    # (Content Security Policy). Redoc injects <style> elements and runs a worker from a blob.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
        SpectacularRedocView.as_view(url_name="api:schema")), name="redoc"),
]
