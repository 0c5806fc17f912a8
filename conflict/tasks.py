from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def control_recompute_task(place_id: int) -> None:
    from conflict.services.control import control_recompute

    control_recompute(place_id=place_id)
