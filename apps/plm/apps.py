from django.apps import AppConfig


class PlmConfig(AppConfig):
    """Items, revisions and lifecycle, BOMs, documents, change requests and orders."""

    name = "apps.plm"
    label = "plm"
    verbose_name = "PLM"

    def ready(self) -> None:
        from apps.plm import handlers, navigation  # noqa: F401  (registers subscribers and sidebar entries)
