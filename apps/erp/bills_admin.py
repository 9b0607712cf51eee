"""ERP in the admin: vendor bills (drafts and held bills edited through the services; posted ones read-only) and the
match policy."""

from django.contrib import admin
from django.utils import timezone

from apps.core.admin_base import SuiteModelAdmin, SuiteTabularInline, run_per_record
from apps.core.numbering import next_number
from apps.erp.models import BillMatchPolicy, VendorBill, VendorBillLine
from apps.erp.services import bills


class VendorBillLineInline(SuiteTabularInline):
    model = VendorBillLine
    raw_id_fields = ["purchase_order_line", "item", "account"]
    readonly_fields = ["net", "tax", "match_note", "grir_amount"]


@admin.register(VendorBill)
class VendorBillAdmin(SuiteModelAdmin):
    """A draft or held bill is edited here through `bill_update` (which re-prices and re-totals the lines); a posted
    bill is read-only (`is_locked`) and moves on only through the actions (match, post, cancel, reverse; releasing
    a held bill needs its reason and is done on the bill's page or through the API)."""

    list_display = ["number", "supplier", "supplier_reference", "bill_date", "status", "total_with_tax", "amount_due",
                    "currency", "company"]
    list_filter = ["company", "status"]
    search_fields = ["number", "supplier__name", "supplier_reference", "purchase_order__number"]
    readonly_fields = ["number", "status", "hold_reason", "release_reason", "total", "total_tax", "total_with_tax",
                       "amount_due", "exchange_rate", "entry", "posted_at"]
    raw_id_fields = ["supplier", "purchase_order"]
    inlines = [VendorBillLineInline]
    services = {"update": bills.bill_update, "delete": bills.bill_delete}
    actions = ["match_bills", "post_bills", "cancel_bills", "reverse_bills"]

    def save_model(self, request, obj, form, change):
        if not change:  # numbered and defaulted as the create service does; the lines are totalled after them
            obj.bill_date = obj.bill_date or timezone.localdate()
            if obj.currency_id is None:
                obj.currency = (obj.purchase_order.currency if obj.purchase_order_id else None) or \
                    obj.supplier.currency or obj.company.currency
            obj.number = next_number(company=obj.company, doc_type="BILL", date=obj.bill_date)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:  # validate and total the new bill's lines like every other change
            bills.bill_update(instance=form.instance, actor=request.user)

    @admin.action(description="Match selected bills (three-way match; a mismatch holds them)")
    def match_bills(self, request, queryset):
        run_per_record(self, request, queryset, bills.bill_match, "bill", "Matched")

    @admin.action(description="Post selected bills (matched again; a mismatch holds them)")
    def post_bills(self, request, queryset):
        run_per_record(self, request, queryset, bills.bill_post, "bill", "Posted or held")

    @admin.action(description="Cancel selected bills")
    def cancel_bills(self, request, queryset):
        run_per_record(self, request, queryset, bills.bill_cancel, "bill", "Cancelled")

    @admin.action(description="Reverse selected posted bills (nothing paid)")
    def reverse_bills(self, request, queryset):
        run_per_record(self, request, queryset, bills.bill_reverse, "bill", "Reversed")


@admin.register(VendorBillLine)
class VendorBillLineAdmin(SuiteModelAdmin):
    """Lines are written with their bill (totals are the bill's): read here, edited on a draft bill."""

    list_display = ["bill", "line_number", "purchase_order_line", "item", "quantity", "unit_price", "net",
                    "match_note"]
    search_fields = ["bill__number", "item__number", "description"]
    raw_id_fields = ["bill", "purchase_order_line", "item", "account"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BillMatchPolicy)
class BillMatchPolicyAdmin(SuiteModelAdmin):
    list_display = ["company", "price_tolerance_percent", "price_tolerance_amount"]
    list_filter = ["company"]
