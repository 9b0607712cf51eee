"""MES sidebar entries and what the global search finds in MES."""

from apps.core.navigation import register
from apps.core.search import register_search
from apps.mes.models import NonConformance, WorkCenter, WorkOrder

# ---- production
register("MES", "Work orders", "mes:workorder_list", "mes.view_workorder")
register("MES", "Operator screen", "mes:operator_home", "mes.view_operation")
register("MES", "Shop floor", "mes:board", "mes.view_workcenter")
register("MES", "Machine signals", "mes:machinesignal_list", "mes.view_machinesignal")
register("MES", "Work centers", "mes:workcenter_list", "mes.view_workcenter")
register("MES", "Routings", "mes:routing_list", "mes.view_routing")
register("MES", "Manufacturing definitions", "mes:manufacturingdefinition_list", "mes.view_manufacturingdefinition")
register("MES", "Genealogy", "mes:genealogy", "mes.view_genealogylink")
# ---- quality
register("MES", "Quality checks", "mes:qualitycheck_list", "mes.view_qualitycheck")
register("MES", "Non-conformances", "mes:nonconformance_list", "mes.view_nonconformance")
register("MES", "Incoming inspection", "mes:quality_incoming", "mes.view_qualitycheck")
register("MES", "Inspection plans", "mes:inspectionplan_list", "mes.view_inspectionplan")
register("MES", "Downtime", "mes:downtimeevent_list", "mes.view_downtimeevent")
register("MES", "Downtime reasons", "mes:downtimereason_list", "mes.view_downtimereason")
register("MES", "OEE", "mes:oee_overview", "mes.view_workcenter")

# ---- global search ---------------------------------------------------------------------------------------------

register_search(WorkOrder, ["number", "item__number", "source_reference"], module="MES", label="Work orders",
                select_related=["item"], describe=lambda wo: f"{wo.item} · {wo.get_status_display()}")
register_search(NonConformance, ["number", "reference"], module="MES", label="Non-conformances",
                describe=lambda nc: nc.get_status_display())
register_search(WorkCenter, ["code", "name"], module="MES", label="Work centers", describe=lambda wc: wc.name)
