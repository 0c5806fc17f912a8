"""Editor review pages (owned by the review work)."""

app_name = "review"
urlpatterns: list = []
