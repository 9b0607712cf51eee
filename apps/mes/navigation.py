"""MES sidebar entries."""

from apps.core.navigation import register

# ---- production
register("MES", "Work orders", "mes:workorder_list", "mes.view_workorder")
register("MES", "Operator screen", "mes:operator_home", "mes.view_operation")
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
