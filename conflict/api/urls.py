"""The REST API (owned by the API work)."""

app_name = "api"
urlpatterns: list = []
