from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Companies, parties, currencies, units, numbering, users and roles, audit, the outbox."""

    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from apps.core import handlers, navigation  # noqa: F401  (registers menus and subscribers)
        from apps.core.schema import register_enum_overrides

        register_enum_overrides()
