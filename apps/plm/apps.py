from django.apps import AppConfig


class PlmConfig(AppConfig):
    """Items, revisions and lifecycle, BOMs, documents, change requests and orders."""

    name = "apps.plm"
    label = "plm"
    verbose_name = "PLM"

    def ready(self) -> None:
        from apps.plm import handlers, home, navigation  # noqa: F401  (subscribers, home tiles, sidebar, search)
