"""ERP admin: every model registered (sales orders in `sales_admin`); posted journal entries are read-only (never
edited or deleted), and the admin actions (post, reverse, close, reopen) call the services."""

from django.contrib import admin

from apps.core.admin_base import ReadOnlyAdmin, ReadOnlyInline, SuiteModelAdmin, run_per_record
from apps.erp import (
    bills_admin,  # noqa: F401  (registers the vendor bill admin)
    invoice_admin,  # noqa: F401  (registers the invoice and payment admins)
    mrp_admin,  # noqa: F401  (registers the MRP admins)
    sales_admin,  # noqa: F401  (registers the sales order admin)
)
from apps.erp import models as m
from apps.erp.services import accounts, entries, hr, periods, year_end


@admin.register(m.Account)
class AccountAdmin(SuiteModelAdmin):
    list_display = ["code", "name", "kind", "role", "is_active", "company"]
    list_filter = ["company", "kind", "is_active"]
    search_fields = ["code", "name"]
    readonly_fields = ["role"]
    services = {"update": accounts.account_update, "delete": accounts.account_delete}


@admin.register(m.AccountMapping)
class AccountMappingAdmin(SuiteModelAdmin):
    list_display = ["rule", "account", "company"]
    list_filter = ["company", "rule"]
    raw_id_fields = ["account"]
    services = {"update": accounts.account_mapping_update}


@admin.register(m.Journal)
class JournalAdmin(SuiteModelAdmin):
    list_display = ["code", "name", "kind", "is_active", "company"]
    list_filter = ["company", "kind"]
    search_fields = ["code", "name"]


@admin.register(m.FiscalYear)
class FiscalYearAdmin(ReadOnlyAdmin):
    """Fiscal years are created by the service (with their periods): through the UI or the API; never deleted
    (that would take their periods, closed ones too, with them)."""

    list_display = ["year", "start", "end", "status", "closing_entry", "company"]
    list_filter = ["company", "status"]
    actions = ["close_years", "reopen_years"]

    @admin.action(description="Close the selected years (income and expenses to retained earnings)")
    def close_years(self, request, queryset):
        run_per_record(self, request, queryset, year_end.fiscal_year_close, "fiscal_year", "Closed")

    @admin.action(description="Reopen the selected years (finance manager)")
    def reopen_years(self, request, queryset):
        run_per_record(self, request, queryset, year_end.fiscal_year_reopen, "fiscal_year", "Reopened")


@admin.register(m.AccountBalanceSnapshot)
class AccountBalanceSnapshotAdmin(ReadOnlyAdmin):
    """Written when a period closes, dropped when it reopens: shown, never edited."""

    list_display = ["period", "account", "debit", "credit", "company"]
    list_filter = ["company", "period"]
    search_fields = ["account__code", "account__name"]


@admin.register(m.Period)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = ["start", "end", "status", "closed_at", "closed_by", "company"]
    list_filter = ["company", "status", "fiscal_year"]
    actions = ["close_periods", "reopen_periods"]

    @admin.action(description="Close the selected periods")
    def close_periods(self, request, queryset):
        run_per_record(self, request, queryset, periods.period_close, "period", "Closed")

    @admin.action(description="Reopen the selected periods (finance manager)")
    def reopen_periods(self, request, queryset):
        run_per_record(self, request, queryset, periods.period_reopen, "period", "Reopened")


class JournalLineInline(ReadOnlyInline):
    """Lines are written by the entry's services (currency conversion, balance): shown here, not edited."""

    model = m.JournalLine
    fields = ["line_number", "account", "description", "party", "currency", "amount", "exchange_rate", "debit",
              "credit"]
    readonly_fields = fields


@admin.register(m.JournalEntry)
class JournalEntryAdmin(SuiteModelAdmin):
    """Drafts are edited (through the service) and posted by the action; posted entries are read-only and are
    reversed by the action."""

    list_display = ["number", "date", "journal", "memo", "status", "total_debit", "total_credit", "company"]
    list_filter = ["company", "status", "journal"]
    search_fields = ["number", "memo", "source_text"]
    readonly_fields = ["number", "status", "period", "total_debit", "total_credit", "reversed_by", "posted_at",
                       "posted_by", "source_type", "source_id"]
    inlines = [JournalLineInline]
    actions = ["post_entries", "reverse_entries"]
    services = {"update": entries.journal_entry_update, "delete": entries.journal_entry_delete}

    def has_add_permission(self, request):
        return False  # entries are written with their lines by the services: the UI, the API, the flows

    @admin.action(description="Post the selected draft entries")
    def post_entries(self, request, queryset):
        run_per_record(self, request, queryset, entries.journal_entry_post, "entry", "Posted")

    @admin.action(description="Reverse the selected posted entries")
    def reverse_entries(self, request, queryset):
        run_per_record(self, request, queryset, entries.journal_entry_reverse, "entry", "Reversed")


@admin.register(m.JournalLine)
class JournalLineAdmin(ReadOnlyAdmin):
    list_display = ["entry", "line_number", "account", "debit", "credit", "currency", "amount"]
    search_fields = ["entry__number", "account__code"]


@admin.register(m.Department)
class DepartmentAdmin(SuiteModelAdmin):
    list_display = ["code", "name", "company"]
    list_filter = ["company"]
    search_fields = ["code", "name"]
    services = {"update": hr.department_update, "delete": hr.department_delete}


@admin.register(m.Employee)
class EmployeeAdmin(SuiteModelAdmin):
    list_display = ["number", "name", "department", "hourly_cost", "user", "active", "company"]
    list_filter = ["company", "active", "department"]
    search_fields = ["number", "name"]
    raw_id_fields = ["user"]
    services = {"update": hr.employee_update, "delete": hr.employee_delete}


@admin.register(m.TimeOff)
class TimeOffAdmin(SuiteModelAdmin):
    list_display = ["employee", "kind", "start", "end", "company"]
    list_filter = ["company", "kind"]
    services = {"update": hr.time_off_update}
