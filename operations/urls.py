from django.urls import path

from operations import views

app_name = "operations"
urlpatterns = [
    path("health/", views.health, name="health"),
    # The old name of /health/, kept for anything still polling it.
    path("healthz", views.health, name="healthz"),
    path("ready/", views.ready, name="ready"),
    path("metrics", views.metrics, name="metrics"),
]
