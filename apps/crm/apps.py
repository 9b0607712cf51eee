from django.apps import AppConfig


class CrmConfig(AppConfig):
    """Customers, leads, pipeline, activities, quotes, service cases, the customer timeline."""

    name = "apps.crm"
    label = "crm"
    verbose_name = "CRM"

    def ready(self) -> None:
        from apps.crm import handlers, navigation  # noqa: F401  (registers @subscriber functions and menus)
