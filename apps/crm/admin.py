"""CRM admin: every model registered; stateful documents past their first state are read-only here, and the
admin actions call the services."""

from django.contrib import admin

from apps.core.admin_base import ReadOnlyAdmin, SuiteModelAdmin, run_per_record
from apps.crm import models as m
from apps.crm.services import activities, cases, leads, pipeline, quotes


@admin.register(m.Segment)
class SegmentAdmin(SuiteModelAdmin):
    list_display = ["name", "company"]
    list_filter = ["company"]
    search_fields = ["name"]


@admin.register(m.CustomerProfile)
class CustomerProfileAdmin(SuiteModelAdmin):
    list_display = ["party", "owner", "segment", "industry", "credit_limit", "company"]
    list_filter = ["company", "segment"]
    search_fields = ["party__name", "party__number", "industry"]
    raw_id_fields = ["party"]


@admin.register(m.TimelineEntry)
class TimelineEntryAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "customer", "kind", "title", "reference", "source_event_id", "company"]
    list_filter = ["company", "kind"]
    search_fields = ["title", "reference", "customer__name"]


@admin.register(m.Lead)
class LeadAdmin(SuiteModelAdmin):
    list_display = ["name", "company_name", "email", "status", "source", "owner", "company"]
    list_filter = ["company", "status", "source"]
    search_fields = ["name", "company_name", "email"]
    readonly_fields = ["status", "company_key", "disqualified_reason", "merged_into", "customer", "contact",
                       "opportunity", "qualified_at"]
    actions = ["mark_contacted", "qualify_leads"]

    @admin.action(description="Mark the selected new leads contacted")
    def mark_contacted(self, request, queryset):
        run_per_record(self, request, queryset, leads.lead_contact, "lead", "Contacted")

    @admin.action(description="Qualify the selected leads (customer, contact, opportunity)")
    def qualify_leads(self, request, queryset):
        run_per_record(self, request, queryset, leads.lead_qualify, "lead", "Qualified")


@admin.register(m.PipelineStage)
class PipelineStageAdmin(SuiteModelAdmin):
    list_display = ["name", "order", "probability", "is_won", "is_lost", "company"]
    list_filter = ["company"]


@admin.register(m.Opportunity)
class OpportunityAdmin(SuiteModelAdmin):
    list_display = ["number", "title", "customer", "stage", "amount", "currency", "probability", "expected_close",
                    "owner", "status"]
    list_filter = ["company", "status", "stage"]
    search_fields = ["number", "title", "customer__name"]
    readonly_fields = ["number", "status", "exchange_rate", "amount_company_currency", "lost_reason", "closed_on"]
    raw_id_fields = ["customer", "contact"]
    actions = ["win_opportunities"]

    @admin.action(description="Mark the selected opportunities won")
    def win_opportunities(self, request, queryset):
        run_per_record(self, request, queryset, pipeline.opportunity_win, "opportunity", "Won")


@admin.register(m.SalesTarget)
class SalesTargetAdmin(SuiteModelAdmin):
    list_display = ["owner", "month", "amount", "company"]
    list_filter = ["company", "month"]


@admin.register(m.Activity)
class ActivityAdmin(SuiteModelAdmin):
    list_display = ["subject", "kind", "due_at", "owner", "done", "is_overdue", "customer", "company"]
    list_filter = ["company", "kind", "done", "is_overdue"]
    search_fields = ["subject"]
    readonly_fields = ["done_at", "is_overdue", "target_type", "target_id", "customer"]
    actions = ["complete_activities"]

    @admin.action(description="Mark the selected activities done")
    def complete_activities(self, request, queryset):
        run_per_record(self, request, queryset.filter(done=False), activities.activity_complete, "activity", "Done")


class QuoteLineInline(admin.TabularInline):
    model = m.QuoteLine
    extra = 0
    raw_id_fields = ["item"]
    readonly_fields = ["net", "tax", "price_list"]


@admin.register(m.Quote)
class QuoteAdmin(SuiteModelAdmin):
    list_display = ["number", "version", "customer", "quote_date", "valid_until", "status", "total_with_tax",
                    "currency", "company"]
    list_filter = ["company", "status"]
    search_fields = ["number", "customer__name"]
    readonly_fields = ["number", "version", "status", "total", "total_tax", "total_with_tax", "previous_version",
                       "sent_at", "decided_at"]
    raw_id_fields = ["customer", "contact", "opportunity"]
    inlines = [QuoteLineInline]
    actions = ["send_quotes", "expire_quotes"]

    @admin.action(description="Send the selected draft quotes")
    def send_quotes(self, request, queryset):
        run_per_record(self, request, queryset, quotes.quote_send, "quote", "Sent")

    @admin.action(description="Expire the selected sent quotes")
    def expire_quotes(self, request, queryset):
        run_per_record(self, request, queryset, quotes.quote_expire, "quote", "Expired")


class PriceBreakInline(admin.TabularInline):
    model = m.PriceBreak
    extra = 0
    raw_id_fields = ["item"]


@admin.register(m.PriceList)
class PriceListAdmin(SuiteModelAdmin):
    list_display = ["name", "currency", "customer", "segment", "valid_from", "valid_to", "is_active", "company"]
    list_filter = ["company", "currency", "is_active"]
    search_fields = ["name"]
    raw_id_fields = ["customer"]
    inlines = [PriceBreakInline]


@admin.register(m.ServiceCase)
class ServiceCaseAdmin(SuiteModelAdmin):
    list_display = ["number", "subject", "customer", "priority", "status", "due_at", "owner", "company"]
    list_filter = ["company", "status", "priority"]
    search_fields = ["number", "subject", "customer__name"]
    readonly_fields = ["number", "status", "opened_at", "due_at", "resolved_at", "resolution"]
    raw_id_fields = ["customer", "contact", "item", "lot"]
    actions = ["resolve_cases", "close_cases"]

    @admin.action(description="Resolve the selected cases")
    def resolve_cases(self, request, queryset):
        run_per_record(self, request, queryset, cases.case_resolve, "case", "Resolved")

    @admin.action(description="Close the selected resolved cases")
    def close_cases(self, request, queryset):
        run_per_record(self, request, queryset, cases.case_close, "case", "Closed")


@admin.register(m.SlaPolicy)
class SlaPolicyAdmin(SuiteModelAdmin):
    list_display = ["priority", "resolution_hours", "company"]
    list_filter = ["company"]


@admin.register(m.SalesSettings)
class SalesSettingsAdmin(SuiteModelAdmin):
    list_display = ["company", "quote_validity_days", "default_tax_rate"]


@admin.register(m.QuoteLine)
class QuoteLineAdmin(SuiteModelAdmin):
    """Lines are written with their quote (totals are the quote's): read here, edited on a draft quote."""

    list_display = ["quote", "line_number", "item", "quantity", "unit_price", "discount_percent", "tax_rate", "net"]
    search_fields = ["quote__number", "item__number"]
    raw_id_fields = ["quote", "item"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(m.PriceBreak)
class PriceBreakAdmin(SuiteModelAdmin):
    list_display = ["price_list", "item", "min_quantity", "unit_price"]
    search_fields = ["price_list__name", "item__number"]
    raw_id_fields = ["price_list", "item"]
