"""MES models, re-exported by sub-domain."""

from apps.mes.models.downtime import DowntimeEvent, DowntimeReason
from apps.mes.models.production import (
    Equipment,
    GenealogyLink,
    ManufacturingDefinition,
    ManufacturingDefinitionLine,
    Operation,
    OperationTimeLog,
    Routing,
    RoutingOperation,
    WorkCenter,
    WorkCenterShift,
    WorkOrder,
    WorkOrderCompletion,
    WorkOrderMaterial,
)
from apps.mes.models.quality import CheckDefinition, InspectionPlan, NonConformance, QualityCheck
from apps.mes.models.signals import MachineCount, MachineSignal, MachineSignalDrop

__all__ = [
    "CheckDefinition",
    "DowntimeEvent",
    "DowntimeReason",
    "Equipment",
    "GenealogyLink",
    "InspectionPlan",
    "MachineCount",
    "MachineSignal",
    "MachineSignalDrop",
    "ManufacturingDefinition",
    "ManufacturingDefinitionLine",
    "NonConformance",
    "Operation",
    "OperationTimeLog",
    "QualityCheck",
    "Routing",
    "RoutingOperation",
    "WorkCenter",
    "WorkCenterShift",
    "WorkOrder",
    "WorkOrderCompletion",
    "WorkOrderMaterial",
]
