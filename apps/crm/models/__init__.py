"""CRM models, re-exported by sub-domain."""

from apps.crm.models.activities import ACTIVITY_TARGETS, Activity
from apps.crm.models.customers import CustomerProfile, Segment, TimelineEntry
from apps.crm.models.leads import Lead
from apps.crm.models.pipeline import Opportunity, PipelineStage, SalesTarget
from apps.crm.models.quotes import PriceBreak, PriceList, Quote, QuoteLine
from apps.crm.models.service import DEFAULT_SLA_HOURS, SalesSettings, ServiceCase, SlaPolicy

__all__ = [
    "ACTIVITY_TARGETS",
    "DEFAULT_SLA_HOURS",
    "Activity",
    "CustomerProfile",
    "Lead",
    "Opportunity",
    "PipelineStage",
    "PriceBreak",
    "PriceList",
    "Quote",
    "QuoteLine",
    "SalesSettings",
    "SalesTarget",
    "Segment",
    "ServiceCase",
    "SlaPolicy",
    "TimelineEntry",
]
