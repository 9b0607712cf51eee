"""ERP API: the chart of accounts, journals, journal entries (`post`, `reverse`), fiscal years and periods
(`close`, `reopen`), the reports, and HR."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.serializers import validated_query
from apps.core.api.viewsets import SuiteModelViewSet, SuiteReadOnlyViewSet, workflow_action
from apps.core.errors import DomainError, PermissionDeniedError
from apps.core.permissions import default_company, has_company_perm
from apps.erp import reports
from apps.erp.api import filters
from apps.erp.api import serializers as s
from apps.erp.inventory_valuation import inventory_valuation_data
from apps.erp.models import (
    Account,
    AccountMapping,
    Department,
    Employee,
    FiscalYear,
    Journal,
    JournalEntry,
    Period,
    TimeOff,
)
from apps.erp.services import accounts, entries, hr, periods, year_end

REPORT_PERMISSION = "erp.view_journalentry"


# ---- chart of accounts ---------------------------------------------------------------------------------------
class AccountViewSet(SuiteModelViewSet):
    """The company's chart of accounts (the standard manufacturing chart is created with the company's books)."""

    queryset = Account.objects.all()
    serializer_class = s.AccountSerializer
    filterset_class = filters.AccountFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "kind", "created_at", "updated_at"]
    ordering = ["code"]
    services = {"create": accounts.account_create, "update": accounts.account_update,
                "delete": accounts.account_delete}


class AccountMappingViewSet(SuiteModelViewSet):
    """Which account each posting rule (`inventory`, `grir`, `cogs`...) uses."""

    queryset = AccountMapping.objects.select_related("account")
    serializer_class = s.AccountMappingSerializer
    filterset_class = filters.AccountMappingFilterSet
    ordering = ["rule"]
    services = {"create": accounts.account_mapping_create, "update": accounts.account_mapping_update}


class JournalViewSet(SuiteModelViewSet):
    """Journals; each numbers its entries from its own sequence (`<code>-<year>-00001`)."""

    queryset = Journal.objects.all()
    serializer_class = s.JournalSerializer
    filterset_fields = ["kind", "is_active"]
    search_fields = ["code", "name"]
    ordering = ["code"]


# ---- periods -------------------------------------------------------------------------------------------------
def fiscal_year_create(*, company, actor, year: int, **_ignored) -> FiscalYear:
    return periods.fiscal_year_create(company=company, year=year, actor=actor)


class FiscalYearViewSet(SuiteModelViewSet):
    """Fiscal years (calendar years); creating one creates its twelve open monthly periods."""

    queryset = FiscalYear.objects.all()
    serializer_class = s.FiscalYearSerializer
    filterset_fields = ["year"]
    ordering = ["-year"]
    http_method_names = ["get", "post", "head", "options"]
    services = {"create": fiscal_year_create}

    close = workflow_action("close", year_end.fiscal_year_close,
                            summary="Close the year (all periods closed): income and expenses to retained earnings")
    reopen = workflow_action("reopen", year_end.fiscal_year_reopen,
                             summary="Reopen a closed year: its closing entry is reversed (finance manager)")


class PeriodViewSet(SuiteReadOnlyViewSet):
    """Monthly periods: `close` (every event of the period delivered), `reopen` (a finance manager)."""

    queryset = Period.objects.all()
    serializer_class = s.PeriodSerializer
    filterset_class = filters.PeriodFilterSet
    ordering_fields = ["start"]
    ordering = ["-start"]

    close = workflow_action("close", periods.period_close, summary="Close the period")
    reopen = workflow_action("reopen", periods.period_reopen, summary="Reopen a closed period (finance manager)")


# ---- entries -------------------------------------------------------------------------------------------------
class JournalEntryViewSet(SuiteModelViewSet):
    """Journal entries: drafts are edited, `post` books them (immutable after), `reverse` posts the mirror."""

    queryset = JournalEntry.objects.select_related("reversal_of", "source_type").prefetch_related(
        "lines__account", "lines__currency")
    serializer_class = s.JournalEntrySerializer
    filterset_class = filters.JournalEntryFilterSet
    search_fields = ["number", "memo", "source_text"]
    ordering_fields = ["date", "number", "total_debit", "created_at", "updated_at"]
    ordering = ["-date", "-id"]
    services = {"create": entries.journal_entry_create, "update": entries.journal_entry_update,
                "delete": entries.journal_entry_delete}

    post = workflow_action("post", entries.journal_entry_post, summary="Post the draft entry")
    reverse = workflow_action("reverse", entries.journal_entry_reverse, input_serializer=s.ReverseInputSerializer,
                              summary="Reverse the posted entry (posts its mirror entry, once)")


# ---- reports -------------------------------------------------------------------------------------------------
def report_company(request, query: dict):
    """The company of a report: `?company=` (one of the user's), else their only one; the role there must allow
    reading the books."""
    company = query.get("company") or default_company(request.user, REPORT_PERMISSION)
    if not has_company_perm(request.user, REPORT_PERMISSION, company):
        raise PermissionDeniedError("company", "Your role in this company does not allow reading the books.")
    return company


class TrialBalanceView(APIView):
    """`GET ?date=`: every account's debits, credits and balance up to the date; the totals balance."""

    @extend_schema(parameters=[s.AtDateQuerySerializer], responses=s.TrialBalanceSerializer,
                   summary="Trial balance at a date")
    def get(self, request):
        query = validated_query(request, s.AtDateQuerySerializer)
        company = report_company(request, query)
        data = reports.trial_balance_data(company=company, date=query.get("date") or timezone.localdate())
        return Response(s.TrialBalanceSerializer(data).data)


class ProfitAndLossView(APIView):
    """`GET ?date_from=&date_to=`: income and expenses of the range and the result."""

    @extend_schema(parameters=[s.RangeQuerySerializer], responses=s.ProfitAndLossSerializer,
                   summary="Profit and loss for a date range")
    def get(self, request):
        query = validated_query(request, s.RangeQuerySerializer)
        company = report_company(request, query)
        date_from, date_to = reports.default_range(query.get("date_from"), query.get("date_to"))
        if date_from > date_to:
            raise DomainError("date_from", "The range starts after it ends.", code="invalid")
        data = reports.profit_and_loss_data(company=company, date_from=date_from, date_to=date_to)
        return Response(s.ProfitAndLossSerializer(data).data)


class BalanceSheetView(APIView):
    """`GET ?date=`: assets, liabilities, equity and the current result at the date."""

    @extend_schema(parameters=[s.AtDateQuerySerializer], responses=s.BalanceSheetSerializer,
                   summary="Balance sheet at a date")
    def get(self, request):
        query = validated_query(request, s.AtDateQuerySerializer)
        company = report_company(request, query)
        data = reports.balance_sheet_data(company=company, date=query.get("date") or timezone.localdate())
        return Response(s.BalanceSheetSerializer(data).data)


class InventoryValuationView(APIView):
    """`GET ?date=`: SCM's stock value per item and per category against the inventory accounts, with the
    difference; WIP: the open work orders against the WIP account."""

    @extend_schema(parameters=[s.AtDateQuerySerializer], responses=s.InventoryValuationSerializer,
                   summary="Inventory valuation vs the inventory accounts at a date")
    def get(self, request):
        query = validated_query(request, s.AtDateQuerySerializer)
        company = report_company(request, query)
        data = inventory_valuation_data(company=company, date=query.get("date") or timezone.localdate())
        return Response(s.InventoryValuationSerializer(data).data)


class GeneralLedgerView(APIView):
    """`GET ?account=&date_from=&date_to=`: the account's booked lines with the running balance."""

    @extend_schema(parameters=[s.LedgerQuerySerializer], responses=s.GeneralLedgerSerializer,
                   summary="General ledger of an account")
    def get(self, request):
        query = validated_query(request, s.LedgerQuerySerializer)
        account = query["account"]
        if not has_company_perm(request.user, REPORT_PERMISSION, account):
            raise PermissionDeniedError("account", "Your role in this company does not allow reading the books.")
        date_from, date_to = query.get("date_from"), query.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise DomainError("date_from", "The range starts after it ends.", code="invalid")
        data = reports.general_ledger_data(account=account, date_from=date_from, date_to=date_to)
        return Response(s.GeneralLedgerSerializer(data).data)


# ---- HR ------------------------------------------------------------------------------------------------------
class DepartmentViewSet(SuiteModelViewSet):
    queryset = Department.objects.all()
    serializer_class = s.DepartmentSerializer
    search_fields = ["code", "name"]
    ordering = ["code"]
    services = {"create": hr.department_create, "update": hr.department_update, "delete": hr.department_delete}


class EmployeeViewSet(SuiteModelViewSet):
    queryset = Employee.objects.all()
    serializer_class = s.EmployeeSerializer
    filterset_class = filters.EmployeeFilterSet
    search_fields = ["number", "name"]
    ordering_fields = ["number", "name", "hourly_cost", "created_at", "updated_at"]
    ordering = ["number"]
    services = {"create": hr.employee_create, "update": hr.employee_update, "delete": hr.employee_delete}


class TimeOffViewSet(SuiteModelViewSet):
    queryset = TimeOff.objects.select_related("employee")
    serializer_class = s.TimeOffSerializer
    filterset_class = filters.TimeOffFilterSet
    search_fields = ["employee__name", "note"]
    ordering_fields = ["start", "end"]
    ordering = ["-start"]
    services = {"create": hr.time_off_create, "update": hr.time_off_update}
