"""The history of every change: who, when, what before and what after."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from conflict.models import ChangeRecord


def change_record(
    *,
    object_type: str,
    object_id: int,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    user: AbstractBaseUser | None = None,
    reason: str = "",
    undoes: ChangeRecord | None = None,
) -> ChangeRecord:
    return ChangeRecord.objects.create(
        object_type=object_type,
        object_id=object_id,
        action=action,
        before=before or {},
        after=after or {},
        user=user if user is not None and user.is_authenticated else None,
        reason=reason,
        undoes=undoes,
    )
