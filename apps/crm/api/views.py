"""CRM API: customers, leads, the pipeline (board, forecast), activities, quotes, price lists, cases."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.viewsets import SuiteModelViewSet, SuiteReadOnlyViewSet, workflow_action
from apps.core.errors import DomainError, PermissionDeniedError
from apps.core.http import pdf_response
from apps.core.models import Company
from apps.core.permissions import default_company, has_company_perm
from apps.core.scoping import scope_queryset
from apps.crm import selectors
from apps.crm.api import filters
from apps.crm.api import serializers as s
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
    TimelineEntry,
)
from apps.crm.pdf import quote_pdf
from apps.crm.services import activities, cases, customers, imports, leads, pipeline, quotes

COMPANY = OpenApiParameter("company", int, description="Company id; default: your only company with the right.")
OWNER = OpenApiParameter("owner", str, description="A salesperson's user id, or `me`.")


def company_param(request, permission: str) -> Company:
    """The company a report is about: `?company=` (one of the user's), else their only one; the role there must
    grant `permission`."""
    raw = request.query_params.get("company")
    if raw:
        if not raw.isdigit():
            raise DomainError("company", "Give the company's id.")
        company = get_object_or_404(scope_queryset(Company.objects.all(), request.user), pk=int(raw))
    else:
        company = default_company(request.user, permission)
    if not has_company_perm(request.user, permission, company):
        raise PermissionDeniedError("company", "Your role in this company does not allow this.")
    return company


def owner_param(request):
    raw = (request.query_params.get("owner") or "").strip()
    if not raw:
        return None
    if raw == "me":
        return request.user
    if not raw.isdigit():
        raise DomainError("owner", "Give a user id or `me`.")
    return get_object_or_404(get_user_model(), pk=int(raw))


class ImportMixin:
    """`POST <list>/import/` (multipart): a dry run by default, previewing every row; nothing written on errors."""

    import_service = None
    import_permission = ""

    def run_import(self, request):
        incoming = s.ImportInputSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        company = incoming.validated_data.get("company") or default_company(request.user, self.import_permission)
        if not has_company_perm(request.user, self.import_permission, company):
            raise PermissionDeniedError("company", "Your role in this company may not import these records.")
        upload = incoming.validated_data["file"]
        dataset = imports.read_dataset(content=upload.read(), filename=upload.name)
        result = type(self).import_service(company=company, dataset=dataset, actor=request.user,
                                           dry_run=incoming.validated_data["dry_run"])
        if result.has_errors and not result.dry_run:
            errors = [(f"rows.{r.line}.{f}", "invalid", m) for r in result.rows for f, m in r.errors.items()]
            raise DomainError(errors[0][0], "Nothing was imported: some rows are invalid.", errors=errors,
                              extra={"rows": result.as_dict()["rows"]})
        return Response(s.CrmImportResultSerializer(result.as_dict()).data, status=status.HTTP_200_OK)


IMPORT_SCHEMA = {"request": {"multipart/form-data": s.ImportInputSerializer},
                 "responses": {200: s.CrmImportResultSerializer}}


# ---- customers -----------------------------------------------------------------------------------------------
class SegmentViewSet(SuiteModelViewSet):
    queryset = Segment.objects.all()
    serializer_class = s.SegmentSerializer
    search_fields = ["name"]
    ordering = ["name"]
    services = {"create": customers.segment_create}


class CustomerProfileViewSet(ImportMixin, SuiteModelViewSet):
    """The CRM data of customer parties: owner, segment, industry, credit limit; `import` of customers."""

    queryset = CustomerProfile.objects.select_related("party")
    serializer_class = s.CustomerProfileSerializer
    filterset_class = filters.CustomerProfileFilterSet
    search_fields = ["party__name", "party__number", "industry"]
    ordering_fields = ["party__name", "created_at", "updated_at"]
    services = {"create": customers.customer_profile_create, "update": customers.customer_profile_update}
    import_service = imports.customers_import
    import_permission = "crm.add_customerprofile"

    @extend_schema(**IMPORT_SCHEMA, summary="Import customers (parties with CRM profiles) from CSV/XLSX")
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_customers(self, request):
        return self.run_import(request)


class TimelineEntryViewSet(SuiteReadOnlyViewSet):
    """What happened with each customer, newest first (fed by events from every module)."""

    queryset = TimelineEntry.objects.all()
    serializer_class = s.TimelineEntrySerializer
    filterset_class = filters.TimelineEntryFilterSet
    search_fields = ["title", "reference"]
    ordering_fields = ["occurred_at", "created_at"]
    ordering = ["-occurred_at", "-id"]


# ---- leads ---------------------------------------------------------------------------------------------------
class LeadViewSet(ImportMixin, SuiteModelViewSet):
    """Leads: `contact`, `qualify` (customer + contact + opportunity), `disqualify`, `merge`; `duplicates`."""

    queryset = Lead.objects.all()
    serializer_class = s.LeadSerializer
    filterset_class = filters.LeadFilterSet
    search_fields = ["name", "company_name", "email", "phone"]
    ordering_fields = ["name", "company_name", "created_at", "updated_at"]
    services = {"create": leads.lead_create, "update": leads.lead_update, "delete": leads.lead_delete}
    import_service = imports.leads_import
    import_permission = "crm.add_lead"

    contact = workflow_action("contact", leads.lead_contact, summary="Mark the lead contacted")
    qualify = workflow_action("qualify", leads.lead_qualify, input_serializer=s.LeadQualifySerializer,
                              summary="Qualify: create or reuse the customer, a contact and an opportunity")
    disqualify = workflow_action("disqualify", leads.lead_disqualify, input_serializer=s.LeadDisqualifySerializer)
    merge = workflow_action("merge", leads.lead_merge, input_serializer=s.LeadMergeSerializer,
                            summary="Merge a duplicate into this lead")

    @extend_schema(responses=s.LeadSerializer(many=True), summary="Leads with the same e-mail or company")
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def duplicates(self, request, pk=None):
        found = selectors.lead_duplicates(lead=self.get_object())
        return Response(s.LeadSerializer(found, many=True, context=self.get_serializer_context()).data)

    @extend_schema(**IMPORT_SCHEMA, summary="Import leads from CSV/XLSX")
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_leads(self, request):
        return self.run_import(request)


# ---- pipeline ------------------------------------------------------------------------------------------------
class PipelineStageViewSet(SuiteModelViewSet):
    """The company's pipeline columns (the default ones are created on first use)."""

    queryset = PipelineStage.objects.all()
    serializer_class = s.PipelineStageSerializer
    search_fields = ["name"]
    ordering = ["order", "id"]
    services = {"create": pipeline.pipeline_stage_create, "update": pipeline.pipeline_stage_update,
                "delete": pipeline.pipeline_stage_delete}


class OpportunityViewSet(SuiteModelViewSet):
    """Opportunities: `win`, `lose`, `move` (to a stage), `submit-feedback`; `board` for the kanban."""

    queryset = Opportunity.objects.select_related("stage", "currency")
    serializer_class = s.OpportunitySerializer
    filterset_class = filters.OpportunityFilterSet
    search_fields = ["number", "title", "customer__name"]
    ordering_fields = ["number", "amount", "expected_close", "probability", "created_at", "updated_at"]
    services = {"create": pipeline.opportunity_create, "update": pipeline.opportunity_update,
                "delete": pipeline.opportunity_delete}

    win = workflow_action("win", pipeline.opportunity_win)
    lose = workflow_action("lose", pipeline.opportunity_lose, input_serializer=s.OpportunityLoseSerializer)
    move = workflow_action("move", pipeline.opportunity_move, input_serializer=s.OpportunityMoveSerializer,
                           summary="Move to a stage (a closed opportunity answers 409)")
    submit_feedback = workflow_action("submit_feedback", cases.opportunity_submit_feedback,
                                      input_serializer=s.FeedbackSerializer,
                                      summary="Send product feedback to engineering (PLM opens a change request)")

    @extend_schema(parameters=[OWNER, COMPANY], responses=s.BoardSerializer,
                   summary="The pipeline board: columns in stage order with counts, totals and the first 20 cards")
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def board(self, request):
        company = company_param(request, "crm.view_opportunity")
        pipeline.pipeline_stages_ensure(company=company)
        columns = selectors.pipeline_board(company=company, owner=owner_param(request))
        return Response(s.BoardSerializer({"company": company.pk, "currency": company.currency.code,
                                           "columns": columns}).data)


class ForecastView(APIView):
    """`GET ?year=`: weighted pipeline and won amounts by month and owner against the targets."""

    @extend_schema(parameters=[OpenApiParameter("year", int, required=True), OWNER, COMPANY],
                   responses=s.ForecastSerializer, summary="Sales forecast by month and owner")
    def get(self, request):
        company = company_param(request, "crm.view_opportunity")
        raw = request.query_params.get("year", "")
        if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
            raise DomainError("year", "Give the year, e.g. ?year=2026.", code="invalid")
        data = selectors.sales_forecast(company=company, year=int(raw), owner=owner_param(request))
        return Response(s.ForecastSerializer(data).data)


class SalesTargetViewSet(SuiteModelViewSet):
    queryset = SalesTarget.objects.select_related("owner")
    serializer_class = s.SalesTargetSerializer
    filterset_class = filters.SalesTargetFilterSet
    ordering_fields = ["month", "amount"]
    ordering = ["month", "id"]
    services = {"create": pipeline.sales_target_create, "update": pipeline.sales_target_update}


# ---- activities ----------------------------------------------------------------------------------------------
class ActivityViewSet(SuiteModelViewSet):
    """Calls, e-mails, meetings and tasks; `?mine=true` is my activities, `is_overdue` the late ones."""

    queryset = Activity.objects.select_related("target_type")
    serializer_class = s.ActivitySerializer
    filterset_class = filters.ActivityFilterSet
    search_fields = ["subject", "notes"]
    ordering_fields = ["due_at", "created_at", "updated_at"]
    ordering = ["done", "due_at", "id"]
    services = {"create": activities.activity_create, "update": activities.activity_update}

    complete = workflow_action("complete", activities.activity_complete, summary="Mark the activity done")


# ---- quotes and price lists ----------------------------------------------------------------------------------
class QuoteViewSet(SuiteModelViewSet):
    """Quotes: `send`, `accept`, `reject`, `revise` (a new version); `pdf`. Lines show available-to-promise on
    the detail."""

    queryset = Quote.objects.select_related("currency", "next_version").prefetch_related("lines__item")
    serializer_class = s.QuoteSerializer
    filterset_class = filters.QuoteFilterSet
    search_fields = ["number", "customer__name", "notes"]
    ordering_fields = ["number", "version", "quote_date", "valid_until", "total", "created_at", "updated_at"]
    services = {"create": quotes.quote_create, "update": quotes.quote_update, "delete": quotes.quote_delete}

    send = workflow_action("send", quotes.quote_send)
    accept = workflow_action("accept", quotes.quote_accept, summary="The customer accepted (tells ERP)")
    reject = workflow_action("reject", quotes.quote_reject)
    revise = workflow_action("revise", quotes.quote_revise, summary="A new version (draft) of a sent quote; "
                                                                    "answers the new version")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # available-to-promise costs a query per item: on single quotes, not on lists
        context["availability"] = None if self.action == "list" else selectors.Availability()
        return context

    @extend_schema(responses={(200, "application/pdf"): bytes}, summary="The quote as a PDF")
    @action(detail=True, methods=["get"], url_path="pdf")
    def pdf(self, request, pk=None):
        quote = self.get_object()
        return pdf_response(quote_pdf(quote), f"{quote.number}-v{quote.version}.pdf")


class PriceListViewSet(SuiteModelViewSet):
    """Price lists per currency for a customer, a segment or everyone, with quantity breaks."""

    queryset = PriceList.objects.select_related("currency").prefetch_related("breaks__item")
    serializer_class = s.PriceListSerializer
    filterset_class = filters.PriceListFilterSet
    search_fields = ["name"]
    ordering_fields = ["name", "valid_from", "created_at", "updated_at"]
    ordering = ["name", "id"]
    services = {"create": quotes.price_list_create, "update": quotes.price_list_update}


# ---- service -------------------------------------------------------------------------------------------------
class ServiceCaseViewSet(SuiteModelViewSet):
    """Service cases with their SLA due time: `start`, `wait`, `resolve`, `close`, `reopen`, `submit-feedback`."""

    queryset = ServiceCase.objects.select_related("lot")
    serializer_class = s.ServiceCaseSerializer
    filterset_class = filters.ServiceCaseFilterSet
    search_fields = ["number", "subject", "customer__name"]
    ordering_fields = ["number", "due_at", "opened_at", "priority", "created_at", "updated_at"]
    services = {"create": cases.case_create, "update": cases.case_update, "delete": cases.case_delete}

    start = workflow_action("start", cases.case_start)
    wait = workflow_action("wait", cases.case_wait, summary="Wait for the customer")
    resolve = workflow_action("resolve", cases.case_resolve, input_serializer=s.CaseResolveSerializer)
    close = workflow_action("close", cases.case_close)
    reopen = workflow_action("reopen", cases.case_reopen)
    submit_feedback = workflow_action("submit_feedback", cases.case_submit_feedback,
                                      input_serializer=s.FeedbackSerializer,
                                      summary="Send product feedback to engineering (PLM opens a change request)")


class SlaPolicyViewSet(SuiteModelViewSet):
    """Hours to resolve a case, per priority (defaults apply without a row)."""

    queryset = SlaPolicy.objects.all()
    serializer_class = s.SlaPolicySerializer
    ordering = ["resolution_hours", "id"]


class SalesSettingsViewSet(SuiteModelViewSet):
    """The company's quote letterhead, terms, validity and default tax rate."""

    queryset = SalesSettings.objects.all()
    serializer_class = s.SalesSettingsSerializer
