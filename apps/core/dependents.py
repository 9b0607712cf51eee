"""What depends on a record: asked by the module that owns the record, answered by the modules above it.

PLM refuses to change an item's unit or tracking once SCM holds stock of it, yet PLM may not import SCM
(modules import only downward). So a higher module declares, at startup, what of its own data depends on
a lower module's record, the way it subscribes to events:

    # apps/scm/dependents.py, imported by ScmConfig.ready()
    @dependent("plm.Item")
    def item_stock(item) -> str | None:
        return "has stock moves" if StockMove.objects.filter(item=item).exists() else None

and the owner names what it finds in its refusal: `dependents_of(item)` → ["has stock moves"].
"""

from collections import defaultdict
from collections.abc import Callable

from django.db import models

_CHECKS: dict[str, list[Callable[[models.Model], str | None]]] = defaultdict(list)


def dependent(label: str):
    """Register `check(obj) -> str | None` for records of model `label` ("app_label.ModelName"): a phrase that
    completes "it ..." ("has stock moves"), or None when nothing of the registering module depends on it."""

    def register(check: Callable[[models.Model], str | None]):
        if check not in _CHECKS[label.lower()]:
            _CHECKS[label.lower()].append(check)
        return check

    return register


def dependents_of(obj: models.Model) -> list[str]:
    """What the registered modules say depends on `obj`, in registration order."""
    found = (check(obj) for check in _CHECKS[obj._meta.label_lower])
    return [phrase for phrase in found if phrase]
