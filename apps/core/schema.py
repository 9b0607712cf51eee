"""OpenAPI enum names: one component per choices class, so `status` fields of different models never collide."""

import importlib

from django.apps import apps
from django.conf import settings
from django.db import models


def choices_enum_overrides() -> dict[str, str]:
    """`{"<Class>Enum": "apps.<app>.choices.<Class>"}` for every choices class in an app's `choices` module."""
    overrides: dict[str, str] = {}
    seen: set[tuple] = set()  # identical choice sets must share one name (drf-spectacular rejects two)
    for config in apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.choices")
        except ModuleNotFoundError:
            continue
        for name, value in sorted(vars(module).items()):
            if (isinstance(value, type) and issubclass(value, models.Choices) and value.__module__ == module.__name__
                    and value is not models.Choices):
                values = tuple(value.values)
                if values in seen:
                    continue
                seen.add(values)
                key = f"{name}Enum"
                if key in overrides:  # the same class name in two apps: qualify with the app
                    key = f"{config.label.capitalize()}{name}Enum"
                overrides[key] = f"{module.__name__}.{name}"
    return overrides


def register_enum_overrides() -> None:
    """Called from CoreConfig.ready(): explicit settings win over the generated names."""
    spectacular = getattr(settings, "SPECTACULAR_SETTINGS", None)
    if spectacular is None:
        return
    explicit = spectacular.setdefault("ENUM_NAME_OVERRIDES", {})
    for key, path in choices_enum_overrides().items():
        if key not in explicit and path not in explicit.values():
            explicit[key] = path
