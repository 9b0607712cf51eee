from django.apps import AppConfig


class ScmConfig(AppConfig):
    """Purchasing, suppliers, warehouses and locations, the stock ledger, lots, reservations, shipments."""

    name = "apps.scm"
    label = "scm"
    verbose_name = "SCM"

    def ready(self) -> None:
        from apps.scm import handlers, home, navigation  # noqa: F401  (subscribers, home tiles, sidebar, search)
