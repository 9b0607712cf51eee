"""Names and payload builders of the events PLM publishes."""

from apps.plm.models import ChangeOrder, Revision

REVISION_RELEASED = "plm.revision.released"


def revision_released_payload(revision: Revision, change_order: ChangeOrder | None) -> dict:
    """The released revision with its full BOM snapshot (what MES needs to build it)."""
    lines = revision.bom_lines.select_related("component", "uom").order_by("position", "id")
    return {
        "item": revision.item.number,
        "item_id": revision.item_id,
        "revision": revision.code,
        "revision_id": revision.pk,
        "effective_from": revision.effective_from.isoformat() if revision.effective_from else None,
        "eco": change_order.number if change_order else None,
        "bom": [
            {"component": line.component.number, "component_id": line.component_id, "quantity": str(line.quantity),
             "uom": line.uom.code, "scrap_percent": str(line.scrap_percent), "position": line.position,
             "reference_designators": line.reference_designators}
            for line in lines
        ],
    }
