"""Editor accounts."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, User
from django.db import transaction

from conflict.services.history import change_record


class AccountError(ValueError):
    pass


@transaction.atomic
def editor_create(*, username: str, password: str, email: str = "", admin: bool = False) -> User:
    """Create a user in group `editor` (and `admin` when asked); the password must pass the validators."""
    username = username.strip()
    if not username:
        raise AccountError("A username is required.")
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(f"User {username!r} already exists.")
    user = User(username=username, email=email)
    try:
        password_validation.validate_password(password, user)
    except Exception as exc:  # ValidationError: turn its messages into one line for the command
        messages = getattr(exc, "messages", [str(exc)])
        raise AccountError(" ".join(messages)) from exc
    user.set_password(password)
    user.save()
    groups = ["editor", "admin"] if admin else ["editor"]
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    change_record(object_type="user", object_id=user.pk, action="create",
                  after={"username": username, "groups": groups})
    return user
