from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """What an operator needs: health and readiness, metrics, logs, backups."""

    name = "operations"
    verbose_name = "Operations"

    def ready(self) -> None:
        from operations.worker import celery_connect

        celery_connect()
