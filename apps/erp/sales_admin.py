"""ERP in the admin: sales orders (drafts edited through the services; confirmed ones read-only)."""

from django.contrib import admin
from django.utils import timezone

from apps.core.admin_base import SuiteModelAdmin, SuiteTabularInline, run_per_record
from apps.core.numbering import next_number
from apps.erp.models import SalesOrder, SalesOrderLine
from apps.erp.services import sales


class SalesOrderLineInline(SuiteTabularInline):
    model = SalesOrderLine
    raw_id_fields = ["item"]
    readonly_fields = ["net", "tax", "quantity_delivered"]


@admin.register(SalesOrder)
class SalesOrderAdmin(SuiteModelAdmin):
    """A draft is edited here through `sales_order_update` (which re-prices and re-totals the lines); a confirmed
    order is read-only (`is_locked`) and moves on only through the actions."""

    list_display = ["number", "customer", "order_date", "status", "total_with_tax", "currency", "company"]
    list_filter = ["company", "status"]
    search_fields = ["number", "customer__name", "quote__number"]
    readonly_fields = ["number", "status", "quote", "total", "total_tax", "total_with_tax", "confirmed_at",
                       "shipments"]
    raw_id_fields = ["customer"]
    inlines = [SalesOrderLineInline]
    services = {"update": sales.sales_order_update, "delete": sales.sales_order_delete}
    actions = ["confirm_orders", "cancel_orders"]

    def save_model(self, request, obj, form, change):
        if not change:  # numbered and defaulted as the create service does; the lines are totalled after them
            obj.order_date = obj.order_date or timezone.localdate()
            if obj.currency_id is None:
                obj.currency = obj.customer.currency or obj.company.currency
            obj.number = next_number(company=obj.company, doc_type="SO", date=obj.order_date)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:  # validate and total the new order's lines like every other change
            sales.sales_order_update(instance=form.instance, actor=request.user)

    @admin.action(description="Confirm selected sales orders (credit limit; tells SCM to ship)")
    def confirm_orders(self, request, queryset):
        run_per_record(self, request, queryset, sales.sales_order_confirm, "sales_order", "Confirmed")

    @admin.action(description="Cancel selected sales orders")
    def cancel_orders(self, request, queryset):
        run_per_record(self, request, queryset, sales.sales_order_cancel, "sales_order", "Cancelled")


@admin.register(SalesOrderLine)
class SalesOrderLineAdmin(SuiteModelAdmin):
    """Lines are written with their order (totals are the order's): read here, edited on a draft order."""

    list_display = ["order", "line_number", "item", "quantity", "unit_price", "discount_percent", "tax_rate", "net",
                    "quantity_delivered"]
    search_fields = ["order__number", "item__number"]
    raw_id_fields = ["order", "item"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
