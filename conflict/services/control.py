"""Control periods from events (placeholder: the timelines work fills this in)."""

from __future__ import annotations


def control_recompute(*, place_id: int) -> None:
    return None
