from django.contrib import admin
from django.urls import include, path

from conflict.views.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("conflict.urls_accounts")),
    path("review/", include("conflict.urls_review")),
    path("api/", include("conflict.api.urls")),
    path("", include("conflict.urls")),
]

handler404 = "conflict.views.errors.page_not_found"
