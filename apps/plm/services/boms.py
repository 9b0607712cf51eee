"""BOM lines: add, change, remove, replace; every rule of a sound product structure is checked here."""

from decimal import Decimal, InvalidOperation

from django.db import connection, transaction

from apps.core.audit import record_change, snapshot
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


Problem = tuple[str, str, str]  # (field, code, message), as in DomainError.errors


def line_problems(*, revision: Revision, component: Item | None, quantity, uom: UnitOfMeasure | None,
                  scrap_percent=Decimal(0), prefix: str = "") -> tuple[list[Problem], tuple | None]:
    """Every rule one line breaks (not only the first), and the line normalized as (quantity, unit, scrap) when it
    breaks none. Caller holds the locks."""
    problems: list[Problem] = []

    def refuse(field: str, message: str, code: str = "invalid") -> None:
        problems.append((f"{prefix}{field}", code, message))

    try:
        quantity = _decimal(quantity, f"{prefix}quantity")
        if quantity <= 0:
            refuse("quantity", f"The quantity must be greater than zero (got {quantity}).", "not_positive")
    except DomainError as error:
        problems += error.errors
    try:
        scrap = _decimal(scrap_percent if scrap_percent not in (None, "") else 0, f"{prefix}scrap_percent")
        if not Decimal(0) <= scrap < Decimal(100):
            refuse("scrap_percent", "Scrap is a percentage from 0 up to (not including) 100.")
    except DomainError as error:
        problems += error.errors
    if component is None:
        refuse("component", "Choose a component item.")
        return problems, None
    if component.company_id != revision.company_id:
        refuse("component", "The component belongs to another company.")
        return problems, None
    uom = uom or component.uom
    if not convertible(uom, component.uom):
        refuse("uom", f"Unit {uom.code} ({uom.category}) cannot be converted to {component.uom.code} "
                      f"({component.uom.category}), the unit of {component.number}.", "uom_category_mismatch")
    if component.lifecycle_state == LifecycleState.OBSOLETE:
        refuse("component", f"{component.number} is obsolete and cannot be used in a BOM.", "obsolete_component")
    parent = revision.item
    if component.pk == parent.pk:
        refuse("component", f"{parent.number} cannot be a component of itself.", "cycle")
    elif structure_reaches(company_id=revision.company_id, start_item_id=component.pk, target_item_id=parent.pk):
        path = structure_path(company_id=revision.company_id, start_item_id=component.pk, target_item_id=parent.pk)
        numbers = dict(Item.objects.filter(pk__in=path).values_list("pk", "number"))
        chain = " → ".join([parent.number, *(numbers.get(p, "?") for p in path)])
        refuse("component", f"{component.number} contains {parent.number}: adding it would create a cycle "
                            f"({chain}).", "cycle")
    return problems, (None if problems else (quantity, uom, scrap))


def _raise(problems: list[Problem]) -> None:
    """One DomainError naming every problem (the first is its headline)."""
    field, code, message = problems[0]
    raise DomainError(field, message, code=code, errors=problems)


def validate_line(*, revision: Revision, component: Item, quantity, uom: UnitOfMeasure | None,
                  scrap_percent=Decimal(0), prefix: str = "") -> tuple[Decimal, UnitOfMeasure, Decimal]:
    """Check one line against the rules; returns (quantity, unit, scrap) normalized. Caller holds the locks.

    A line that breaks several rules answers one DomainError listing all of them."""
    problems, line = line_problems(revision=revision, component=component, quantity=quantity, uom=uom,
                                   scrap_percent=scrap_percent, prefix=prefix)
    if problems:
        _raise(problems)
    return line


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
    """Replace a draft revision's whole BOM (the BOM editor); errors name `bom_lines.<i>.<field>`.

    Every line is checked before anything is written, and one DomainError reports the problems of all lines
    (the editor shows each at its row at once, instead of one per save)."""
    _lock_structure(revision.company_id)
    revision = _lock_revision(revision)
    revision.bom_lines.all().delete()
    components = {c.pk: c for c in Item.objects.select_related("uom__category").filter(
        pk__in=[row["component"].pk for row in lines if row.get("component") is not None])}
    problems: list[Problem] = []
    checked = []
    for index, row in enumerate(lines):
        prefix = f"bom_lines.{index}."
        unknown = set(row) - set(LINE_FIELDS)
        if unknown:
            problems.append((f"{prefix}{sorted(unknown)[0]}", "invalid", "Unknown field."))
            continue
        component = components.get(row["component"].pk) if row.get("component") is not None else None
        row_problems, line = line_problems(
            revision=revision, component=component, quantity=row.get("quantity"), uom=row.get("uom"),
            scrap_percent=row.get("scrap_percent"), prefix=prefix)
        problems += row_problems
        checked.append((index, row, component, line))
    if problems:
        _raise(problems)
    created = []
    for index, row, component, (quantity, uom, scrap) in checked:
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
