"""Every PLM model in the Django admin; workflow actions call services."""

from django.contrib import admin

from apps.core.admin_base import ReadOnlyAdmin, ReadOnlyInline, SuiteModelAdmin, SuiteTabularInline, run_per_record
from apps.plm import models as m
from apps.plm.services.changes import change_order_release, change_order_update, change_request_update
from apps.plm.services.items import (
    NATURE_FIELDS,
    item_delete,
    item_dependents,
    item_obsolete,
    item_update,
    revision_delete,
    revision_update,
)


class BomLineInline(ReadOnlyInline):
    """A BOM's lines: they change only through the BOM services (they check cycles, units and locks)."""

    model = m.BomLine


class ApprovalInline(SuiteTabularInline):
    model = m.ChangeApproval
    can_delete = False
    readonly_fields = ["round", "approver", "role", "decision", "comment", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False




@admin.register(m.ItemCategory)
class ItemCategoryAdmin(SuiteModelAdmin):
    list_display = ["name", "company"]
    search_fields = ["name"]


@admin.register(m.Item)
class ItemAdmin(SuiteModelAdmin):
    list_display = ["number", "name", "item_type", "uom", "lifecycle_state", "current_revision", "company"]
    list_filter = ["item_type", "lifecycle_state", "tracking", "company"]
    search_fields = ["number", "name"]
    readonly_fields = ["lifecycle_state", "current_revision"]
    actions = ["make_obsolete"]
    services = {"update": item_update, "delete": item_delete}

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is not None and item_dependents(obj):  # the service refuses the change (409 naming them)
            readonly = [*readonly, *NATURE_FIELDS]
        return readonly

    @admin.action(description="Make obsolete", permissions=["change"])
    def make_obsolete(self, request, queryset):
        run_per_record(self, request, queryset, item_obsolete, "item", "Made obsolete")


@admin.register(m.Revision)
class RevisionAdmin(SuiteModelAdmin):
    list_display = ["item", "code", "status", "effective_from", "released_at", "company"]
    list_filter = ["status", "company"]
    search_fields = ["item__number", "code"]
    readonly_fields = ["status", "released_at", "copied_from"]
    inlines = [BomLineInline]
    services = {"update": revision_update, "delete": revision_delete}


@admin.register(m.BomLine)
class BomLineAdmin(ReadOnlyAdmin):
    list_display = ["revision", "position", "component", "quantity", "uom", "scrap_percent"]
    search_fields = ["revision__item__number", "component__number"]


@admin.register(m.Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "version", "item", "revision", "checksum", "uploaded_by", "created_at"]
    search_fields = ["title", "item__number", "checksum"]


@admin.register(m.ChangeRequest)
class ChangeRequestAdmin(SuiteModelAdmin):
    list_display = ["number", "title", "status", "source", "reference", "company"]
    list_filter = ["status", "source", "company"]
    search_fields = ["number", "title", "reference"]
    readonly_fields = ["number", "status", "source", "source_event"]
    services = {"update": change_request_update}


@admin.register(m.ChangeOrder)
class ChangeOrderAdmin(SuiteModelAdmin):
    list_display = ["number", "title", "status", "submitted_at", "released_at", "company"]
    list_filter = ["status", "company"]
    search_fields = ["number", "title"]
    readonly_fields = ["number", "status", "round", "submitted_at", "approved_at", "released_at", "released_by"]
    inlines = [ApprovalInline]
    actions = ["release"]
    services = {"update": change_order_update}

    @admin.action(description="Release approved change orders", permissions=["change"])
    def release(self, request, queryset):
        run_per_record(self, request, queryset, change_order_release, "change_order", "Released")


@admin.register(m.ChangeApproval)
class ChangeApprovalAdmin(ReadOnlyAdmin):
    list_display = ["change_order", "round", "approver", "role", "decision", "created_at"]
    list_filter = ["decision"]


@admin.register(m.ChangeApprovalRule)
class ChangeApprovalRuleAdmin(SuiteModelAdmin):
    list_display = ["company", "role", "required_count"]
    list_filter = ["company"]
