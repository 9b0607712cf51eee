"""ERP in the admin: invoices, credit notes and payments (drafts edited through the services; posted ones
read-only), with the workflow steps as actions through the services."""

from django.contrib import admin
from django.utils import timezone

from apps.core.admin_base import SuiteModelAdmin, SuiteTabularInline, run_per_record
from apps.core.numbering import next_number
from apps.erp.models import Invoice, InvoiceLine, Payment, PaymentAllocation
from apps.erp.services import invoices, payments


class InvoiceLineInline(SuiteTabularInline):
    model = InvoiceLine
    raw_id_fields = ["item", "account", "sales_order_line"]
    readonly_fields = ["net", "tax", "credited_line"]


@admin.register(Invoice)
class InvoiceAdmin(SuiteModelAdmin):
    """A draft is edited here through `invoice_update` (which re-prices and re-totals the lines); a posted invoice
    or credit note is read-only (`is_locked`) and moves on only through the actions."""

    list_display = ["number", "kind", "customer", "invoice_date", "due_date", "status", "total_with_tax",
                    "amount_due", "currency", "company"]
    list_filter = ["company", "status", "kind"]
    search_fields = ["number", "customer__name", "sales_order__number"]
    readonly_fields = ["number", "kind", "status", "total", "total_tax", "total_with_tax", "amount_due",
                       "exchange_rate", "entry", "source_event", "credited_invoice", "shipment", "posted_at"]
    raw_id_fields = ["customer", "sales_order"]
    inlines = [InvoiceLineInline]
    services = {"update": invoices.invoice_update, "delete": invoices.invoice_delete}
    actions = ["post_invoices", "cancel_invoices", "credit_invoices"]

    def save_model(self, request, obj, form, change):
        if not change:  # numbered and defaulted as the create service does; the lines are totalled after them
            obj.invoice_date = obj.invoice_date or timezone.localdate()
            if obj.currency_id is None:
                obj.currency = obj.customer.currency or obj.company.currency
            obj.number = next_number(company=obj.company, doc_type="DINV", date=obj.invoice_date)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:  # validate and total the new invoice's lines like every other change
            invoices.invoice_update(instance=form.instance, actor=request.user)

    @admin.action(description="Post selected invoices (books them)")
    def post_invoices(self, request, queryset):
        run_per_record(self, request, queryset, invoices.invoice_post, "invoice", "Posted")

    @admin.action(description="Cancel selected draft invoices")
    def cancel_invoices(self, request, queryset):
        run_per_record(self, request, queryset, invoices.invoice_cancel, "invoice", "Cancelled")

    @admin.action(description="Draft a credit note of everything not yet credited")
    def credit_invoices(self, request, queryset):
        run_per_record(self, request, queryset, invoices.credit_note_create, "invoice", "Credit notes drafted")


@admin.register(InvoiceLine)
class InvoiceLineAdmin(SuiteModelAdmin):
    """Lines are written with their invoice (totals are the invoice's): read here, edited on a draft."""

    list_display = ["invoice", "line_number", "item", "description", "quantity", "unit_price", "tax_rate", "net"]
    search_fields = ["invoice__number", "item__number", "description"]
    raw_id_fields = ["invoice", "item", "account", "sales_order_line"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PaymentAllocationInline(SuiteTabularInline):
    model = PaymentAllocation
    raw_id_fields = ["invoice", "bill"]


@admin.register(Payment)
class PaymentAdmin(SuiteModelAdmin):
    """A draft is edited through `payment_update` (allocations checked); a posted payment is read-only and is
    reversed through the action."""

    list_display = ["number", "direction", "party", "payment_date", "status", "amount", "amount_unallocated",
                    "currency", "company"]
    list_filter = ["company", "status", "direction"]
    search_fields = ["number", "party__name", "reference"]
    readonly_fields = ["number", "status", "amount_unallocated", "exchange_rate", "entry", "posted_at"]
    raw_id_fields = ["party", "account"]
    inlines = [PaymentAllocationInline]
    services = {"update": payments.payment_update, "delete": payments.payment_delete}
    actions = ["post_payments", "reverse_payments"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.payment_date = obj.payment_date or timezone.localdate()
            if obj.currency_id is None:
                obj.currency = obj.party.currency or obj.company.currency
            obj.number = next_number(company=obj.company, doc_type="PAY", date=obj.payment_date)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:  # check the allocations like every other change
            payments.payment_update(instance=form.instance, actor=request.user)

    @admin.action(description="Post selected payments")
    def post_payments(self, request, queryset):
        run_per_record(self, request, queryset, payments.payment_post, "payment", "Posted")

    @admin.action(description="Reverse selected payments")
    def reverse_payments(self, request, queryset):
        run_per_record(self, request, queryset, payments.payment_reverse, "payment", "Reversed")


@admin.register(PaymentAllocation)
class PaymentAllocationAdmin(SuiteModelAdmin):
    """Allocations are written with their payment: read here."""

    list_display = ["payment", "invoice", "bill", "amount"]
    search_fields = ["payment__number", "invoice__number", "bill__number"]
    raw_id_fields = ["payment", "invoice", "bill"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
