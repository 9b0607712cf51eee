"""`SuiteModelAdmin`: company-scoped admin whose saves and deletes are audited like a service's."""

from django.contrib import admin

from apps.core.audit import record_change, snapshot
from apps.core.scoping import scope_queryset


class SuiteModelAdmin(admin.ModelAdmin):
    """Non-superusers see only their companies' rows; every admin change leaves an audit record."""

    list_per_page = 50

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else scope_queryset(queryset, request.user)

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        record_change(obj, actor=request.user, action="admin_update" if change else "admin_create", before=before)

    def delete_model(self, request, obj):
        record_change(obj, actor=request.user, action="admin_delete", before=snapshot(obj), after=None)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record_change(obj, actor=request.user, action="admin_delete", before=snapshot(obj), after=None)
        super().delete_queryset(request, queryset)


class ReadOnlyAdmin(SuiteModelAdmin):
    """For append-only records (events, audit): viewable, never edited in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
