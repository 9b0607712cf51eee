from django.apps import AppConfig


class MesConfig(AppConfig):
    """Work centers, routings, work orders, operations, quality, downtime and OEE, genealogy."""

    name = "apps.mes"
    label = "mes"
    verbose_name = "MES"

    def ready(self) -> None:
        from apps.mes import handlers, home, monitor, navigation  # noqa: F401  (subscribers, home tiles, flow monitor
        # counters, sidebar, search)
