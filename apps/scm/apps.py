from django.apps import AppConfig


class ScmConfig(AppConfig):
    """Purchasing, suppliers, warehouses and locations, the stock ledger, lots, reservations, shipments."""

    name = "apps.scm"
    label = "scm"
    verbose_name = "SCM"

    def ready(self) -> None:
        # registers @subscriber functions, home tiles, menus and search, and what of SCM depends on items
        from apps.scm import dependents, handlers, home, navigation  # noqa: F401
