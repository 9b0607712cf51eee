from django.apps import AppConfig


class ErpConfig(AppConfig):
    """Finance (GL, AR/AP, payments, periods), sales orders, MRP planning, employees."""

    name = "apps.erp"
    label = "erp"
    verbose_name = "ERP"

    def ready(self) -> None:
        # registers @subscriber functions, home tiles, menus and search, and the MRP task
        from apps.erp import handlers, home, navigation, tasks_mrp  # noqa: F401
