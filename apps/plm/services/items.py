"""Items and revisions: create, change, obsolete; new revisions copied from the released one."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.dependents import dependents_of
from apps.core.errors import ConflictError, DomainError, from_validation_error
from apps.core.models import Company, UnitOfMeasure
from apps.core.workflow import step, take_step
from apps.plm.choices import (
    OPEN_CHANGE_ORDER_STATUSES,
    OPEN_REVISION_STATUSES,
    ItemType,
    LifecycleState,
    RevisionStatus,
    Tracking,
)
from apps.plm.models import BomLine, Document, Item, ItemCategory, Revision

ITEM_FIELDS = ("number", "name", "description", "item_type", "uom", "tracking", "category", "standard_cost")
# What an item is: stock quantities, BOM lines and revisions are read through these, so they are fixed once used.
NATURE_FIELDS = {"item_type": "type", "tracking": "tracking", "uom": "unit of measure"}
MAX_NAMED = 5


def _clean(obj, *, exclude: list[str] | None = None, prefix: str = "") -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise from_validation_error(exc, prefix=prefix) from exc


def _check_category(category: ItemCategory | None, company: Company) -> None:
    require_same_company(company, category=category)


@transaction.atomic
def item_create(*, company: Company, number: str, name: str, uom: UnitOfMeasure, actor,
                item_type: str = ItemType.BUY, tracking: str = Tracking.NONE, description: str = "",
                category: ItemCategory | None = None, standard_cost: Decimal = Decimal(0),
                with_revision: bool = True) -> Item:
    """Create an item in draft, with an empty draft revision A to put its BOM and documents on."""
    _check_category(category, company)
    number = (number or "").strip().upper()
    if Item.objects.filter(company=company, number=number).exists():
        raise DomainError("number", f"Item number {number} is already used in this company.", code="unique")
    item = Item(company=company, number=number, name=name, description=description, item_type=item_type,
                uom=uom, tracking=tracking, category=category, standard_cost=standard_cost)
    _clean(item)
    item.save()
    record_change(item, actor=actor, action="create")
    if with_revision:
        revision = Revision.objects.create(company=company, item=item, code="A")
        record_change(revision, actor=actor, action="create")
    return item


def _released_once(item: Item) -> bool:
    return item.lifecycle_state == LifecycleState.RELEASED or item.revisions.exclude(
        status__in=OPEN_REVISION_STATUSES).exists()


def item_dependents(item: Item) -> list[str]:
    """What depends on the item, each a phrase completing "it ...": a released revision, BOMs using it, and
    what the modules above PLM register (stock moves)."""
    found = []
    if _released_once(item):
        found.append("has a released revision")
    parents = sorted(set(BomLine.objects.filter(component=item).values_list("revision__item__number", flat=True)))
    if parents:
        named = ", ".join(parents[:MAX_NAMED]) + (f" and {len(parents) - MAX_NAMED} more" if len(parents) > MAX_NAMED
                                                  else "")
        found.append(f"is used in BOMs of {named}")
    return found + dependents_of(item)


def item_nature_refusal(item: Item, changes: dict) -> DomainError | None:
    """The 409 refusing a change of the item's type, tracking or unit once something depends on it, or None.

    Used by `item_update` (API, UI, admin) and by the import's dry run."""
    changed = [name for name in NATURE_FIELDS if name in changes and changes[name] != getattr(item, name)]
    if not changed:
        return None
    dependents = item_dependents(item)
    if not dependents:
        return None
    what = " and ".join(NATURE_FIELDS[name] for name in changed)
    return ConflictError(changed[0], f"The {what} of {item.number} cannot change: it {'; it '.join(dependents)}. "
                                     "Create a new item instead (and replace it in BOMs through an ECO).",
                         code="in_use", extra={"dependents": dependents})


@transaction.atomic
def item_update(*, instance: Item, actor, **changes) -> Item:
    """Change an item's master data; its number is fixed once it has been released, its type, tracking and
    unit once it has stock moves, BOM usage or a released revision (409 naming them)."""
    item = Item.objects.select_for_update().get(pk=instance.pk)
    before = snapshot(item)
    changes.pop("company", None)
    if "number" in changes:
        changes["number"] = (changes["number"] or "").strip().upper()
    if item.lifecycle_state == LifecycleState.OBSOLETE:
        raise ConflictError("lifecycle_state", f"{item.number} is obsolete and can no longer change.")
    if "number" in changes and changes["number"] != item.number and _released_once(item):
        raise ConflictError("number", "The number of a released item cannot change; create a new item instead.")
    if (refusal := item_nature_refusal(item, changes)) is not None:
        raise refusal
    if "number" in changes and changes["number"] != item.number and Item.objects.filter(
            company=item.company, number=changes["number"]).exclude(pk=item.pk).exists():
        raise DomainError("number", f"Item number {changes['number']} is already used in this company.",
                          code="unique")
    _check_category(changes.get("category"), item.company)
    for name, value in changes.items():
        if name not in ITEM_FIELDS:
            raise DomainError(name, f"'{name}' cannot be changed here.")
        setattr(item, name, value)
    _clean(item)
    item.save()
    record_change(item, actor=actor, action="update", before=before)
    return item


@transaction.atomic
def item_delete(*, instance: Item, actor) -> None:
    """Delete an item that was never released nor used anywhere (otherwise make it obsolete)."""
    item = Item.objects.select_for_update().get(pk=instance.pk)
    if item.revisions.exclude(status=RevisionStatus.DRAFT).exists() or BomLine.objects.filter(
            component=item).exists() or Document.objects.filter(item=item).exists():
        raise ConflictError(None, f"{item.number} has been released or is in use; make it obsolete instead.",
                            code="protected")
    record_change(item, actor=actor, action="delete", before=snapshot(item), after=None)
    Item.objects.filter(pk=item.pk).update(current_revision=None)
    BomLine.objects.filter(revision__item=item).delete()
    item.revisions.all().delete()
    try:
        with transaction.atomic():
            item.delete()
    except Exception as exc:  # a foreign key of another module (stock, orders) protects it
        raise ConflictError(None, f"{item.number} is in use by other records and cannot be deleted.",
                            code="protected") from exc


@transaction.atomic
def item_obsolete(*, item: Item, actor) -> Item:
    """Retire an item: no new BOM may use it; its released and open revisions become obsolete."""
    with step(item, verb="obsolete", actor=actor, fields=[]) as item:
        if Revision.objects.filter(item=item, change_orders__status__in=OPEN_CHANGE_ORDER_STATUSES).exists():
            raise ConflictError("lifecycle_state", f"{item.number} has a revision on an open change order.")
        for revision in item.revisions.select_for_update().exclude(
                status__in=[RevisionStatus.SUPERSEDED, RevisionStatus.OBSOLETE]):
            take_step(revision, verb="obsolete", actor=actor, fields=[])
    return item


def next_revision_code(item: Item) -> str:
    """The code after the item's highest: A, B, … Z, AA, AB, …"""
    codes = list(Revision.objects.filter(item=item).values_list("code", flat=True))
    if not codes:
        return "A"
    last = max(codes, key=lambda c: (len(c), c))
    letters = list(last)
    index = len(letters) - 1
    while index >= 0:
        if letters[index] != "Z":
            letters[index] = chr(ord(letters[index]) + 1)
            return "".join(letters)
        letters[index] = "A"
        index -= 1
    return "A" + "".join(letters)


def _open_revision(item: Item) -> Revision | None:
    return Revision.objects.filter(item=item, status__in=OPEN_REVISION_STATUSES).first()


@transaction.atomic
def revision_create(*, item: Item, actor, effective_from=None, notes: str = "", company: Company | None = None,
                    copy_from: Revision | None = None) -> Revision:
    """Start the next revision of an item, copied (BOM lines, documents) from its released revision."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    if company is not None:
        require_same_company(company, item=item)
    if item.lifecycle_state == LifecycleState.OBSOLETE:
        raise ConflictError("item", f"{item.number} is obsolete; it gets no new revisions.")
    if (existing := _open_revision(item)) is not None:
        raise ConflictError("item", f"{item.number} already has revision {existing.code} in work "
                                    f"({existing.get_status_display().lower()}); change that one.",
                            extra={"open_revision": existing.pk})
    source = copy_from or Revision.objects.filter(item=item, status=RevisionStatus.RELEASED).first()
    if source is not None and source.item_id != item.pk:
        raise DomainError("copy_from", "The revision to copy belongs to another item.")
    revision = Revision.objects.create(
        company=item.company, item=item, code=next_revision_code(item), copied_from=source,
        effective_from=effective_from, notes=notes,
    )
    if source is not None:
        BomLine.objects.bulk_create([
            BomLine(revision=revision, component_id=line.component_id, quantity=line.quantity, uom_id=line.uom_id,
                    scrap_percent=line.scrap_percent, position=line.position,
                    reference_designators=line.reference_designators, notes=line.notes)
            for line in source.bom_lines.all()
        ])
        for document in source.documents.all():
            Document.objects.create(
                company=document.company, item=item, revision=revision, title=document.title,
                version=document.version, file=document.file.name, file_name=document.file_name, size=document.size,
                checksum=document.checksum, uploaded_by=document.uploaded_by,
            )
    record_change(revision, actor=actor, action="create")
    return revision


@transaction.atomic
def revision_revise(*, revision: Revision, actor) -> Revision:
    """"Edit" a released (or any) revision: start the next revision of its item copied from it."""
    return revision_create(item=revision.item, actor=actor, copy_from=revision)


@transaction.atomic
def revision_update(*, instance: Revision, actor, bom_lines: list[dict] | None = None, **changes) -> Revision:
    """Change a draft revision (effective date, notes, and, given `bom_lines`, its whole BOM)."""
    from apps.plm.services.boms import bom_lines_replace

    revision = Revision.objects.select_for_update().get(pk=instance.pk)
    if revision.is_locked:
        raise ConflictError("status", f"Revision {revision} is {revision.get_status_display().lower()} and cannot "
                                      "change; start a new revision.", extra={"revision_status": revision.status})
    before = snapshot(revision)
    for name, value in changes.items():
        if name in ("item", "company"):
            if value is not None and getattr(value, "pk", value) != getattr(revision, f"{name}_id"):
                raise DomainError(name, f"A revision cannot move to another {name}.")
            continue
        if name not in ("effective_from", "notes"):
            raise DomainError(name, f"'{name}' cannot be changed here.")
        setattr(revision, name, value)
    revision.save()
    if bom_lines is not None:
        bom_lines_replace(revision=revision, lines=bom_lines, actor=actor)
    record_change(revision, actor=actor, action="update", before=before)
    return revision


@transaction.atomic
def revision_delete(*, instance: Revision, actor) -> None:
    """Discard a draft revision that no change order holds."""
    revision = Revision.objects.select_for_update().get(pk=instance.pk)
    if revision.status != RevisionStatus.DRAFT:
        raise ConflictError("status", f"Only draft revisions can be deleted; {revision} is {revision.status}.")
    if revision.change_orders.filter(status__in=OPEN_CHANGE_ORDER_STATUSES).exists():
        raise ConflictError("status", f"{revision} is on an open change order.")
    record_change(revision, actor=actor, action="delete", before=snapshot(revision), after=None)
    revision.delete()
