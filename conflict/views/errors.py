import sys

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.defaults import server_error as default_server_error

from conflict.middleware import DATABASE_UNAVAILABLE, database_unavailable_response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", {"message": str(exception) if exception else ""}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage met outside a view (a middleware saving the session)
    is a 503 too; anything else is Django's plain 500."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_UNAVAILABLE):
        return database_unavailable_response(request, exc)
    return default_server_error(request)
