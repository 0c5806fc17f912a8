from celery import shared_task
from django.db import InterfaceError, OperationalError


# The database restarting (OperationalError, InterfaceError) is retried like a network error:
# the recompute is idempotent, and dropping it would leave the place's control periods stale.
@shared_task(acks_late=True, autoretry_for=(OSError, OperationalError, InterfaceError), retry_backoff=True,
             max_retries=5)
def control_recompute_task(place_id: int) -> None:
    from conflict.services.control import control_recompute

    control_recompute(place_id=place_id)
