"""Who may change things: editors (group `editor`), admins (group `admin`) and superusers.

Everyone else reads. An anonymous visitor is sent to the login page; a signed-in
user without the role gets 403, so a login loop never hides a missing permission.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

EDITOR_GROUPS = ("editor", "admin")


def is_editor(user: Any) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    # Cached on the user object: a queue page asks once per request, not once per item.
    cached = getattr(user, "_tidemark_is_editor", None)
    if cached is None:
        cached = user.groups.filter(name__in=EDITOR_GROUPS).exists()
        user._tidemark_is_editor = cached
    return cached


def editor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_editor(request.user):
            raise PermissionDenied("Only editors can review events.")
        return view(request, *args, **kwargs)

    wrapped.editor_required = True  # type: ignore[attr-defined]
    return wrapped


class EditorRequiredMixin(AccessMixin):
    """Class-based views: the same rule as `editor_required`."""

    raise_exception = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not is_editor(request.user):
            raise PermissionDenied("Only editors can review events.")
        return super().dispatch(request, *args, **kwargs)
