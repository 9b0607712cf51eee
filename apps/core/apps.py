from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Companies, parties, currencies, units, numbering, users and roles, audit, the outbox."""

    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.core.signals import request_started

        from apps.core import handlers, home, navigation, search  # noqa: F401  (menus, tiles, search, subscribers)
        from apps.core.schema import register_enum_overrides
        from apps.core.ui.display import forget_units

        register_enum_overrides()
        # units are read once per request for formatting quantities; a new request never sees a stale unit
        request_started.connect(forget_units, dispatch_uid="core.forget_units")
