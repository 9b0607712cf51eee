"""Warehouses, their location trees and the company's virtual locations."""

from django.db import transaction

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError
from apps.core.services.records import record_create, record_update
from apps.scm.choices import VIRTUAL_KINDS, LocationKind
from apps.scm.models import Location, StockMove, Warehouse

VIRTUAL_NAMES = {
    LocationKind.SUPPLIER: "Suppliers", LocationKind.CUSTOMER: "Customers", LocationKind.PRODUCTION: "Production",
    LocationKind.SCRAP: "Scrap", LocationKind.INVENTORY_LOSS: "Inventory loss", LocationKind.TRANSIT: "Transit",
}


def virtual_location(*, company, kind: str) -> Location:
    """The company's virtual location of that kind (supplier, customer, …), created on first use."""
    if kind not in VIRTUAL_KINDS:
        raise DomainError("kind", f"'{kind}' is not a virtual location kind ({', '.join(VIRTUAL_KINDS)}).")
    location, _ = Location.objects.get_or_create(
        company=company, code=f"VIRTUAL/{kind.upper()}",
        defaults={"name": VIRTUAL_NAMES[kind], "kind": kind},
    )
    return location


@transaction.atomic
def warehouse_create(*, company, code: str, name: str, actor, **data) -> Warehouse:
    """Create a warehouse with its root stock location `<code>/STOCK`."""
    warehouse = record_create(model=Warehouse, actor=actor, company=company, code=code, name=name, **data)
    record_create(model=Location, actor=actor, company=company, warehouse=warehouse, code=f"{code}/STOCK",
                  name=f"{name} stock", kind=LocationKind.INTERNAL)
    return warehouse


def _check_location(*, company, warehouse, parent, kind, instance: Location | None = None) -> None:
    if kind == LocationKind.INTERNAL and warehouse is None:
        raise DomainError("warehouse", "An internal location belongs to a warehouse.")
    require_same_company(company, warehouse=warehouse)
    if parent is not None:
        require_same_company(company, parent=parent)
        if parent.warehouse_id != (warehouse.pk if warehouse else None):
            raise DomainError("parent", "The parent location is in another warehouse.")
        node = parent
        while node is not None:
            if instance is not None and node.pk == instance.pk:
                raise DomainError("parent", "A location cannot be inside itself.")
            node = node.parent


@transaction.atomic
def location_create(*, company, code: str, name: str, actor, warehouse=None, parent=None,
                    kind: str = LocationKind.INTERNAL, **data) -> Location:
    """Create a location (a zone or bin under `parent`, or a virtual location without warehouse)."""
    if warehouse is None and parent is not None:
        warehouse = parent.warehouse
    _check_location(company=company, warehouse=warehouse, parent=parent, kind=kind)
    return record_create(model=Location, actor=actor, company=company, code=code, name=name, warehouse=warehouse,
                         parent=parent, kind=kind, **data)


@transaction.atomic
def location_update(*, instance: Location, actor, **data) -> Location:
    """Rename, re-parent or re-barcode a location; its kind and warehouse are fixed once it has moves."""
    instance = Location.objects.select_for_update().get(pk=instance.pk)
    used = StockMove.objects.filter(from_location=instance).exists() or StockMove.objects.filter(
        to_location=instance).exists()
    for name in ("kind", "warehouse"):
        new = data.get(name, getattr(instance, name))
        if used and new != getattr(instance, name):
            raise ConflictError(name, f"The {name} of a location with stock moves cannot change.")
    _check_location(company=instance.company, warehouse=data.get("warehouse", instance.warehouse),
                    parent=data.get("parent", instance.parent), kind=data.get("kind", instance.kind),
                    instance=instance)
    return record_update(instance=instance, actor=actor, **data)


@transaction.atomic
def location_set_quality_hold(*, location: Location, on_hold: bool, actor) -> Location:
    """Put a location on quality hold (its stock cannot be reserved) or release it."""
    location = Location.objects.select_for_update().get(pk=location.pk)
    before = snapshot(location)
    location.is_quality_hold = on_hold
    location.save(update_fields=["is_quality_hold", "updated_at"])
    record_change(location, actor=actor, action="quality_hold" if on_hold else "quality_release", before=before)
    return location
