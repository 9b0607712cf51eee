"""BOM lines: add, change, remove, replace; every rule of a sound product structure is checked here."""

from decimal import Decimal, InvalidOperation

from django.db import connection, transaction

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError
from apps.core.models import UnitOfMeasure
from apps.core.units import convertible
from apps.plm.choices import LifecycleState
from apps.plm.models import BomLine, Item, Revision
from apps.plm.selectors import structure_path, structure_reaches

LINE_FIELDS = ("component", "quantity", "uom", "scrap_percent", "position", "reference_designators", "notes")


def _lock_structure(company_id: int) -> None:
    """Serialize structure edits per company, so two concurrent edits cannot close a cycle together."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7331, company_id])


def _lock_revision(revision: Revision) -> Revision:
    revision = Revision.objects.select_related("item").select_for_update(of=("self",)).get(pk=revision.pk)
    if revision.is_locked:
        raise ConflictError("revision", f"Revision {revision} is {revision.get_status_display().lower()}; its BOM "
                                        "cannot change. Start a new revision.",
                            extra={"revision_status": revision.status})
    return revision


def _decimal(value, field: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(field, "Enter a number.") from None


def validate_line(*, revision: Revision, component: Item, quantity, uom: UnitOfMeasure | None,
                  scrap_percent=Decimal(0), prefix: str = "") -> tuple[Decimal, UnitOfMeasure, Decimal]:
    """Check one line against the rules; returns (quantity, unit, scrap) normalized. Caller holds the locks."""
    if component is None:
        raise DomainError(f"{prefix}component", "Choose a component item.")
    require_same_company(revision.company_id, **{f"{prefix}component": component})
    quantity = _decimal(quantity, f"{prefix}quantity")
    if quantity <= 0:
        raise DomainError(f"{prefix}quantity", f"The quantity must be greater than zero (got {quantity}).",
                          code="not_positive")
    scrap = _decimal(scrap_percent if scrap_percent not in (None, "") else 0, f"{prefix}scrap_percent")
    if not Decimal(0) <= scrap < Decimal(100):
        raise DomainError(f"{prefix}scrap_percent", "Scrap is a percentage from 0 up to (not including) 100.")
    uom = uom or component.uom
    if not convertible(uom, component.uom):
        raise DomainError(f"{prefix}uom", f"Unit {uom.code} ({uom.category}) cannot be converted to "
                                          f"{component.uom.code} ({component.uom.category}), the unit of "
                                          f"{component.number}.", code="uom_category_mismatch")
    if component.lifecycle_state == LifecycleState.OBSOLETE:
        raise DomainError(f"{prefix}component", f"{component.number} is obsolete and cannot be used in a BOM.",
                          code="obsolete_component")
    parent = revision.item
    if component.pk == parent.pk:
        raise DomainError(f"{prefix}component", f"{parent.number} cannot be a component of itself.", code="cycle")
    if structure_reaches(company_id=revision.company_id, start_item_id=component.pk, target_item_id=parent.pk):
        path = structure_path(company_id=revision.company_id, start_item_id=component.pk, target_item_id=parent.pk)
        numbers = dict(Item.objects.filter(pk__in=path).values_list("pk", "number"))
        chain = " → ".join([parent.number, *(numbers.get(p, "?") for p in path)])
        raise DomainError(f"{prefix}component", f"{component.number} contains {parent.number}: adding it would "
                                                f"create a cycle ({chain}).", code="cycle")
    return quantity, uom, scrap


def _next_position(revision: Revision) -> int:
    last = revision.bom_lines.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 10


@transaction.atomic
def bom_line_add(*, revision: Revision, component: Item, quantity, actor, uom: UnitOfMeasure | None = None,
                 scrap_percent=Decimal(0), position: int | None = None, reference_designators: str = "",
                 notes: str = "") -> BomLine:
    """Add a component to a draft revision's BOM."""
    _lock_structure(revision.company_id)
    revision = _lock_revision(revision)
    component = Item.objects.select_related("uom__category").get(pk=component.pk)
    quantity, uom, scrap = validate_line(revision=revision, component=component, quantity=quantity, uom=uom,
                                         scrap_percent=scrap_percent)
    line = BomLine.objects.create(
        revision=revision, component=component, quantity=quantity, uom=uom, scrap_percent=scrap,
        position=position if position is not None else _next_position(revision),
        reference_designators=reference_designators or "", notes=notes or "",
    )
    record_change(line, actor=actor, action="create")
    return line


@transaction.atomic
def bom_line_update(*, instance: BomLine, actor, **changes) -> BomLine:
    """Change a line of a draft revision (component, quantity, unit, scrap, position, designators)."""
    _lock_structure(instance.revision.company_id)
    line = BomLine.objects.select_for_update().get(pk=instance.pk)
    revision = _lock_revision(line.revision)
    if "revision" in changes and changes.pop("revision").pk != revision.pk:
        raise DomainError("revision", "A line cannot move to another revision.")
    before = snapshot(line)
    for name, value in changes.items():
        if name not in LINE_FIELDS:
            raise DomainError(name, f"'{name}' cannot be changed here.")
        setattr(line, name, value)
    component = Item.objects.select_related("uom__category").get(pk=line.component_id)
    line.quantity, line.uom, line.scrap_percent = validate_line(
        revision=revision, component=component, quantity=line.quantity,
        uom=changes.get("uom") or line.uom, scrap_percent=line.scrap_percent)
    line.save()
    record_change(line, actor=actor, action="update", before=before)
    return line


@transaction.atomic
def bom_line_delete(*, instance: BomLine, actor) -> None:
    """Remove a line from a draft revision's BOM."""
    line = BomLine.objects.select_for_update().get(pk=instance.pk)
    _lock_revision(line.revision)
    record_change(line, actor=actor, action="delete", before=snapshot(line), after=None)
    line.delete()


@transaction.atomic
def bom_lines_replace(*, revision: Revision, lines: list[dict], actor) -> list[BomLine]:
    """Replace a draft revision's whole BOM (the BOM editor); errors name `bom_lines.<i>.<field>`."""
    _lock_structure(revision.company_id)
    revision = _lock_revision(revision)
    revision.bom_lines.all().delete()
    created = []
    for index, row in enumerate(lines):
        prefix = f"bom_lines.{index}."
        unknown = set(row) - set(LINE_FIELDS)
        if unknown:
            raise DomainError(f"{prefix}{sorted(unknown)[0]}", "Unknown field.")
        component = row.get("component")
        if component is not None:
            component = Item.objects.select_related("uom__category").get(pk=component.pk)
        quantity, uom, scrap = validate_line(
            revision=revision, component=component, quantity=row.get("quantity"), uom=row.get("uom"),
            scrap_percent=row.get("scrap_percent"), prefix=prefix)
        line = BomLine.objects.create(
            revision=revision, component=component, quantity=quantity, uom=uom, scrap_percent=scrap,
            position=row.get("position") if row.get("position") is not None else (index + 1) * 10,
            reference_designators=row.get("reference_designators") or "", notes=row.get("notes") or "",
        )
        created.append(line)
    record_change(revision, actor=actor, action="bom_replace",
                  after={"bom_lines": [{"component": ln.component_id, "quantity": str(ln.quantity),
                                        "uom": ln.uom_id, "scrap_percent": str(ln.scrap_percent),
                                        "position": ln.position} for ln in created]})
    return created
