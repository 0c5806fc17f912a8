from django.contrib import admin
from django.urls import include, path

from conflict.feeds import PlaceReviewedEventsFeed, ReviewedEventsFeed

urlpatterns = [
    # /health/, /ready/, /metrics (and /healthz, the old name of /health/).
    path("", include("operations.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("conflict.urls_accounts")),
    path("review/", include("conflict.urls_review")),
    path("api/", include("conflict.api.urls")),
    path("feeds/reviewed.atom", ReviewedEventsFeed(), name="feed-reviewed"),
    path("feeds/places/<slug:slug>/reviewed.atom", PlaceReviewedEventsFeed(), name="feed-place-reviewed"),
    path("", include("conflict.urls")),
]

handler404 = "conflict.views.errors.page_not_found"
handler500 = "conflict.views.errors.server_error"
