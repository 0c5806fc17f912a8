from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """What an operator needs: health and readiness, metrics, logs, backups."""

    name = "operations"
    verbose_name = "Operations"
