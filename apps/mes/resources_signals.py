"""Machine signals in the browser: the stored signals, read-only (the gateway and the bulk API write them)."""

from apps.core.ui.resource import Resource
from apps.mes.models import MachineSignal


class MachineSignalResource(Resource):
    model = MachineSignal
    namespace = "mes"
    title_plural = "Machine signals"
    list_fields = ["ts", "work_center", "equipment", "kind", "state", "reason", "good", "scrap", "operation"]
    filter_fields = ["kind", "state", "work_center", "equipment"]
    search_fields = ["equipment__code", "work_center__code", "reason"]
    detail_fields = ["ts", "work_center", "equipment", "kind", "state", "reason", "good", "scrap", "operation",
                     "created_at"]
    select_related = ["work_center", "equipment", "operation", "operation__work_order"]
    ordering = ["-ts", "-id"]
    can_create = can_edit = False
