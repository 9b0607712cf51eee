"""CRM's browser screens, declared as Resources (list, detail, forms, workflow buttons)."""

from apps.core.ui.resource import Action, Inline, Related, Resource
from apps.crm import forms
from apps.crm.models import (
    Activity,
    CustomerProfile,
    Lead,
    Opportunity,
    PipelineStage,
    PriceList,
    Quote,
    SalesSettings,
    SalesTarget,
    Segment,
    ServiceCase,
    SlaPolicy,
)
from apps.crm.services import activities, cases, customers, leads, pipeline, quotes


class CrmResource(Resource):
    namespace = "crm"


# ---- customers -----------------------------------------------------------------------------------------------
class CustomerProfileResource(CrmResource):
    model = CustomerProfile
    title, title_plural = "Customer profile", "Customer profiles"
    list_fields = ["party", "owner", "segment", "industry", "credit_limit"]
    filter_fields = ["owner", "segment"]
    search_fields = ["party__name", "party__number", "industry"]
    form_fields = ["party", "owner", "segment", "industry", "credit_limit", "notes"]
    services = {"create": customers.customer_profile_create, "update": customers.customer_profile_update}
    select_related = ["party", "owner", "segment"]
    list_template = "crm/customerprofile_list.html"
    detail_template = "crm/customerprofile_detail.html"

    @classmethod
    def edit_form_class(cls):
        return forms.CustomerProfileEditForm


class SegmentResource(CrmResource):
    model = Segment
    list_fields = ["name", "description"]
    search_fields = ["name"]
    form_fields = ["name", "description"]
    related = [Related("Customers", "customers", ["party", "owner", "industry"])]


# ---- leads ---------------------------------------------------------------------------------------------------
class LeadResource(CrmResource):
    model = Lead
    list_fields = ["name", "company_name", "email", "phone", "source", "status", "owner"]
    filter_fields = ["status", "source", "owner"]
    search_fields = ["name", "company_name", "email", "phone"]
    form_fields = ["name", "company_name", "email", "phone", "source", "owner", "notes"]
    detail_fields = [*form_fields, "status", "disqualified_reason", "merged_into", "customer", "contact",
                     "opportunity", "qualified_at"]
    services = {"create": leads.lead_create, "update": leads.lead_update}
    actions = {
        "contact": Action(leads.lead_contact, label="Mark contacted", style="outline-primary"),
        "qualify": Action(leads.lead_qualify, form_class=forms.QualifyForm, label="Qualify", style="success"),
        "disqualify": Action(leads.lead_disqualify, form_class=forms.ReasonForm, label="Disqualify",
                             style="outline-danger"),
    }
    select_related = ["owner"]
    list_template = "crm/lead_list.html"
    detail_template = "crm/lead_detail.html"

    @classmethod
    def detail_context(cls, obj) -> dict:
        from apps.crm.selectors import lead_duplicates

        return {"duplicates": list(lead_duplicates(lead=obj))}


# ---- pipeline ------------------------------------------------------------------------------------------------
class PipelineStageResource(CrmResource):
    model = PipelineStage
    list_fields = ["name", "order", "probability", "is_won", "is_lost"]
    form_fields = ["name", "order", "probability", "is_won", "is_lost"]
    services = {"create": pipeline.pipeline_stage_create, "update": pipeline.pipeline_stage_update}
    ordering = ["order"]


class OpportunityResource(CrmResource):
    model = Opportunity
    list_fields = ["number", "title", "customer", "stage", "amount", "currency", "probability", "expected_close",
                   "owner", "status"]
    filter_fields = ["status", "stage", "owner"]
    search_fields = ["number", "title", "customer__name"]
    form_fields = ["customer", "contact", "title", "amount", "currency", "stage", "probability", "expected_close",
                   "owner", "notes"]
    detail_fields = ["number", "customer", "contact", "title", "amount", "currency", "amount_company_currency",
                     "stage", "probability", "weighted_amount", "expected_close", "owner", "status", "lost_reason",
                     "closed_on", "notes"]
    related = [Related("Quotes", "quotes", ["number", "version", "status", "total", "valid_until"])]
    services = {"create": pipeline.opportunity_create, "update": pipeline.opportunity_update}
    actions = {
        "win": Action(pipeline.opportunity_win, label="Won", style="success"),
        "lose": Action(pipeline.opportunity_lose, form_class=forms.LoseForm, label="Lost", style="outline-danger"),
    }
    select_related = ["customer", "stage", "currency", "owner"]
    detail_template = "crm/opportunity_detail.html"

    @classmethod
    def detail_context(cls, obj) -> dict:
        move_form = forms.MoveForm(initial={"stage": obj.stage_id})
        move_form.fields["stage"].queryset = PipelineStage.objects.filter(company_id=obj.company_id)
        return {"move_form": move_form, "activities": _activities_of(obj)}


class SalesTargetResource(CrmResource):
    model = SalesTarget
    list_fields = ["owner", "month", "amount"]
    filter_fields = ["owner"]
    form_class = forms.SalesTargetForm
    detail_fields = ["owner", "month", "amount"]
    services = {"create": pipeline.sales_target_create, "update": pipeline.sales_target_update}
    select_related = ["owner"]


# ---- activities ----------------------------------------------------------------------------------------------
class ActivityResource(CrmResource):
    model = Activity
    list_fields = ["subject", "kind", "due_at", "owner", "customer", "done", "is_overdue"]
    filter_fields = ["kind", "owner", "done", "is_overdue"]
    search_fields = ["subject", "notes", "customer__name"]
    form_class = forms.ActivityForm
    detail_fields = ["subject", "kind", "due_at", "owner", "customer", "target", "done", "done_at", "is_overdue",
                     "notes"]
    services = {"create": activities.activity_create, "update": activities.activity_update}
    actions = {"complete": Action(activities.activity_complete, label="Done", style="success")}
    select_related = ["owner", "customer"]

    @classmethod
    def edit_form_class(cls):
        return forms.ActivityEditForm

    @classmethod
    def visible_actions(cls, obj, user):
        return [] if obj.done else super().visible_actions(obj, user)


def _activities_of(obj):
    from django.contrib.contenttypes.models import ContentType

    return Activity.objects.filter(target_type=ContentType.objects.get_for_model(type(obj)),
                                   target_id=obj.pk).select_related("owner").order_by("done", "due_at")


# ---- quotes and prices ---------------------------------------------------------------------------------------
class QuoteResource(CrmResource):
    model = Quote
    list_fields = ["number", "version", "customer", "quote_date", "valid_until", "status", "total", "currency"]
    filter_fields = ["status", "customer"]
    search_fields = ["number", "customer__name", "notes"]
    form_fields = ["customer", "contact", "opportunity", "currency", "quote_date", "valid_until", "owner", "terms",
                   "notes"]
    detail_fields = ["number", "version", "customer", "contact", "opportunity", "status", "quote_date",
                     "valid_until", "currency", "owner", "sent_at", "decided_at", "previous_version", "terms",
                     "notes"]
    inlines = [Inline("lines", ["item", "description", "quantity", "unit_price", "discount_percent", "tax_rate"],
                      label="Lines", extra=3, on_detail=False)]  # quote_detail.html lists them with totals
    services = {"create": quotes.quote_create, "update": quotes.quote_update}
    actions = {
        "send": Action(quotes.quote_send, label="Send"),
        "accept": Action(quotes.quote_accept, label="Accepted", style="success"),
        "reject": Action(quotes.quote_reject, label="Rejected", style="outline-danger"),
        "revise": Action(quotes.quote_revise, label="Revise (new version)", style="outline-primary"),
    }
    select_related = ["customer", "currency"]
    detail_template = "crm/quote_detail.html"

    @classmethod
    def detail_context(cls, obj) -> dict:
        from apps.crm.selectors import Availability

        availability = Availability()
        lines = list(obj.lines.select_related("item", "price_list").order_by("line_number"))
        return {"lines": [(line, availability.of(line.item)) for line in lines],
                "versions": Quote.objects.filter(company=obj.company, number=obj.number).order_by("version")}


class PriceListResource(CrmResource):
    model = PriceList
    list_fields = ["name", "currency", "customer", "segment", "valid_from", "valid_to", "is_active"]
    filter_fields = ["currency", "is_active", "segment"]
    search_fields = ["name"]
    form_fields = ["name", "currency", "customer", "segment", "valid_from", "valid_to", "is_active"]
    inlines = [Inline("breaks", ["item", "min_quantity", "unit_price"], label="Prices", extra=3)]
    services = {"create": quotes.price_list_create, "update": quotes.price_list_update}
    select_related = ["currency", "customer", "segment"]


# ---- service -------------------------------------------------------------------------------------------------
class ServiceCaseResource(CrmResource):
    model = ServiceCase
    name = "servicecase"
    title, title_plural = "Case", "Service cases"
    list_fields = ["number", "subject", "customer", "priority", "status", "due_at", "owner"]
    filter_fields = ["status", "priority", "owner"]
    search_fields = ["number", "subject", "customer__name"]
    form_fields = ["customer", "contact", "subject", "description", "item", "lot", "priority", "owner"]
    detail_fields = ["number", "customer", "contact", "subject", "description", "item", "lot", "priority", "status",
                     "owner", "opened_at", "due_at", "resolved_at", "resolution"]
    services = {"create": cases.case_create, "update": cases.case_update}
    actions = {
        "start": Action(cases.case_start, label="Start work"),
        "wait": Action(cases.case_wait, label="Wait for customer", style="outline-secondary"),
        "resolve": Action(cases.case_resolve, form_class=forms.ResolveForm, label="Resolve", style="success"),
        "close": Action(cases.case_close, label="Close", style="outline-secondary"),
        "reopen": Action(cases.case_reopen, label="Reopen", style="outline-warning"),
    }
    select_related = ["customer", "owner"]
    detail_template = "crm/servicecase_detail.html"

    @classmethod
    def edit_form_class(cls):
        return forms.CaseEditForm

    @classmethod
    def detail_context(cls, obj) -> dict:
        return {"activities": _activities_of(obj)}


class SlaPolicyResource(CrmResource):
    model = SlaPolicy
    title, title_plural = "SLA policy", "SLA policies"
    list_fields = ["priority", "resolution_hours"]
    form_fields = ["priority", "resolution_hours"]


class SalesSettingsResource(CrmResource):
    model = SalesSettings
    title, title_plural = "Sales settings", "Sales settings"
    list_fields = ["quote_validity_days", "default_tax_rate", "letterhead_address"]
    form_fields = ["letterhead_address", "quote_terms", "quote_validity_days", "default_tax_rate"]
