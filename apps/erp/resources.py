"""ERP's browser screens, declared as Resources (list, detail, forms, workflow buttons)."""

from apps.core.ui.resource import Action, Inline, Related, Resource
from apps.erp import forms
from apps.erp.api.filters import PeriodFilterSet
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


class ErpResource(Resource):
    namespace = "erp"


# ---- the books -----------------------------------------------------------------------------------------------
class AccountResource(ErpResource):
    model = Account
    list_fields = ["code", "name", "kind", "role", "is_active"]
    filter_fields = ["kind", "is_active"]
    search_fields = ["code", "name"]
    form_fields = ["code", "name", "kind", "is_active", "description"]
    detail_fields = ["code", "name", "kind", "role", "is_active", "description"]
    services = {"create": accounts.account_create, "update": accounts.account_update}
    ordering = ["code"]
    detail_template = "erp/account_detail.html"


class AccountMappingResource(ErpResource):
    model = AccountMapping
    title, title_plural = "Account mapping", "Account mappings"
    list_fields = ["rule", "account"]
    filter_fields = ["rule"]
    search_fields = ["rule", "account__code", "account__name"]
    form_fields = ["rule", "account"]
    services = {"create": accounts.account_mapping_create, "update": accounts.account_mapping_update}
    select_related = ["account"]
    ordering = ["rule"]


class JournalResource(ErpResource):
    model = Journal
    list_fields = ["code", "name", "kind", "is_active"]
    filter_fields = ["kind", "is_active"]
    search_fields = ["code", "name"]
    form_fields = ["code", "name", "kind", "is_active"]
    related = [Related("Entries", "entries", ["number", "date", "memo", "status", "total_debit"])]
    ordering = ["code"]


class JournalEntryResource(ErpResource):
    model = JournalEntry
    title, title_plural = "Journal entry", "Journal entries"
    list_fields = ["number", "date", "journal", "memo", "status", "total_debit", "total_credit"]
    filter_fields = ["status", "journal"]
    search_fields = ["number", "memo", "source_text"]
    form_fields = ["journal", "date", "memo", "source_text"]
    detail_fields = ["number", "journal", "date", "memo", "status", "period", "total_debit", "total_credit",
                     "source_document", "source", "reversed_by", "posted_at", "posted_by"]
    inlines = [Inline("lines", ["account", "description", "party", "debit", "credit", "currency", "amount"],
                      label="Lines", extra=4, on_detail=False)]  # journalentry_detail.html lists them with totals
    services = {"create": entries.journal_entry_create, "update": entries.journal_entry_update}
    actions = {
        "post": Action(entries.journal_entry_post, label="Post", style="success"),
        "reverse": Action(entries.journal_entry_reverse, form_class=forms.ReverseForm, label="Reverse",
                          style="outline-danger"),
    }
    select_related = ["journal"]
    detail_template = "erp/journalentry_detail.html"

    @classmethod
    def detail_context(cls, obj) -> dict:
        return {"lines": list(obj.lines.select_related("account", "party", "currency").order_by("line_number"))}


class FiscalYearResource(ErpResource):
    model = FiscalYear
    title, title_plural = "Fiscal year", "Fiscal years"
    list_fields = ["year", "start", "end", "status"]
    form_fields = ["year"]
    detail_fields = ["year", "start", "end", "status", "closing_entry", "closed_at", "closed_by"]
    related = [Related("Periods", "periods", ["start", "end", "status", "closed_at"])]
    services = {"create": periods.fiscal_year_create}
    actions = {
        "close": Action(year_end.fiscal_year_close, label="Close the year"),
        "reopen": Action(year_end.fiscal_year_reopen, label="Reopen the year"),
    }
    can_edit = False
    ordering = ["-year"]


class PeriodResource(ErpResource):
    model = Period
    list_fields = ["start", "end", "fiscal_year", "status", "closed_at", "closed_by"]
    filterset_class = PeriodFilterSet
    detail_fields = ["fiscal_year", "number", "start", "end", "status", "closed_at", "closed_by"]
    actions = {
        "close": Action(periods.period_close, label="Close"),
        "reopen": Action(periods.period_reopen, label="Reopen"),
    }
    can_create = False
    can_edit = False
    select_related = ["fiscal_year", "closed_by"]
    ordering = ["-start"]


# ---- HR ------------------------------------------------------------------------------------------------------
class DepartmentResource(ErpResource):
    model = Department
    list_fields = ["code", "name"]
    search_fields = ["code", "name"]
    form_fields = ["code", "name"]
    related = [Related("Employees", "employees", ["number", "name", "hourly_cost", "active"])]
    services = {"create": hr.department_create, "update": hr.department_update}
    ordering = ["code"]


class EmployeeResource(ErpResource):
    model = Employee
    list_fields = ["number", "name", "department", "hourly_cost", "user", "active"]
    filter_fields = ["department", "active"]
    search_fields = ["number", "name"]
    form_fields = ["number", "name", "department", "hourly_cost", "user", "active"]
    related = [Related("Time off", "time_off", ["kind", "start", "end", "note"])]
    services = {"create": hr.employee_create, "update": hr.employee_update}
    select_related = ["department", "user"]
    ordering = ["number"]


class TimeOffResource(ErpResource):
    model = TimeOff
    name = "timeoff"
    title, title_plural = "Time off", "Time off"
    list_fields = ["employee", "kind", "start", "end", "note"]
    filter_fields = ["kind", "employee"]
    search_fields = ["employee__name", "note"]
    form_fields = ["employee", "kind", "start", "end", "note"]
    services = {"create": hr.time_off_create, "update": hr.time_off_update}
    select_related = ["employee"]
    ordering = ["-start"]
