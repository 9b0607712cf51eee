"""Manufacturing definitions: the BOM snapshot of each released item revision, taken from PLM's event."""

import datetime
from decimal import Decimal

from django.db import transaction

from apps.core.audit import record_change
from apps.core.errors import DomainError
from apps.core.models import Event, UnitOfMeasure
from apps.mes.choices import WorkOrderStatus
from apps.mes.models import ManufacturingDefinition, ManufacturingDefinitionLine, WorkOrder
from apps.plm.models import Item, Revision


@transaction.atomic
def manufacturing_definition_store(*, event: Event, actor=None) -> ManufacturingDefinition:
    """Store the BOM of a `plm.revision.released` event once (unique per revision; a redelivery changes
    nothing) and flag open draft work orders of the item on an older revision for review."""
    payload = event.payload
    existing = ManufacturingDefinition.objects.filter(revision_id=payload["revision_id"]).first()
    if existing is not None:
        return existing
    revision = Revision.objects.select_related("item").get(pk=payload["revision_id"], company_id=event.company_id)
    components = {i.pk: i for i in Item.objects.filter(
        company_id=event.company_id, pk__in=[line["component_id"] for line in payload.get("bom", [])])
        .select_related("uom")}
    # a line's unit is nearly always its component's own: only other units are read
    other_units = ({line.get("uom") for line in payload.get("bom", [])} - {c.uom.code for c in components.values()}
                   - {None, ""})
    uoms = {u.code: u for u in UnitOfMeasure.objects.filter(code__in=other_units)} if other_units else {}
    uoms |= {c.uom.code: c.uom for c in components.values()}
    effective = payload.get("effective_from")
    definition = ManufacturingDefinition.objects.create(
        company_id=event.company_id, item=revision.item, revision=revision, eco_number=payload.get("eco") or "",
        effective_from=datetime.date.fromisoformat(effective) if effective else None, source_event=event)
    lines = []
    for index, line in enumerate(payload.get("bom", [])):
        component = components.get(line["component_id"])
        if component is None:
            raise DomainError(f"bom.{index}.component", f"Unknown component {line.get('component')}.")
        uom = uoms.get(line.get("uom")) or component.uom
        lines.append(ManufacturingDefinitionLine(
            definition=definition, component=component, quantity=Decimal(line["quantity"]), uom=uom,
            scrap_percent=Decimal(line.get("scrap_percent") or 0), position=line.get("position") or 10 * (index + 1)))
    ManufacturingDefinitionLine.objects.bulk_create(lines)
    record_change(definition, actor=actor, action="create")
    stale = (WorkOrder.objects.select_for_update().filter(item=revision.item, status=WorkOrderStatus.DRAFT)
             .exclude(revision=revision))
    reason = f"Revision {revision.code} released by {payload.get('eco') or 'PLM'}; this order uses an older one."
    for work_order in stale:
        work_order.needs_review = True
        work_order.review_reason = reason[:300]
        work_order.save(update_fields=["needs_review", "review_reason", "updated_at"])
        record_change(work_order, actor=actor, action="flag_review")
    return definition
