"""Login and logout (Django's auth views); owned by the review work."""

from django.urls import include, path

urlpatterns = [
    path("", include("django.contrib.auth.urls")),
]
