"""Names and payload builders of the events PLM publishes."""

from apps.plm.models import ChangeOrder, Revision

REVISION_RELEASED = "plm.revision.released"


def bom_lines(revision: Revision) -> list:
    """A revision's BOM lines with their components and units, in BOM order."""
    return list(revision.bom_lines.select_related("component", "uom").order_by("position", "id"))


def revision_released_payload(revision: Revision, change_order: ChangeOrder | None, *,
                              lines: list | None = None) -> dict:
    """The released revision with its full BOM snapshot (what MES needs to build it); `lines`: its `bom_lines`,
    when the caller has them."""
    lines = bom_lines(revision) if lines is None else lines
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
