"""`SuiteModelAdmin`: company-scoped admin whose saves and deletes are audited like a service's."""

from django.contrib import admin

from apps.core.audit import record_change, snapshot
from apps.core.models import Company
from apps.core.permissions import companies_with_perm, has_company_perm, model_perm
from apps.core.scoping import scope_queryset


class SuiteModelAdmin(admin.ModelAdmin):
    """For staff who are not superusers, rows, choices and rights follow their role in each company: they see the
    rows of companies whose role may view the model, change a row only where their role in its company allows, and
    pick related records of their own companies only. Superusers are the platform's operators and see all. Every
    admin change leaves an audit record."""

    list_per_page = 50

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return scope_queryset(queryset, request.user,
                              companies_with_perm(request.user, model_perm(self.model, "view")))

    def _role_allows(self, request, action: str, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        return has_company_perm(request.user, model_perm(self.model, action), obj)

    def has_view_permission(self, request, obj=None):
        return self._role_allows(request, "view", obj) or self._role_allows(request, "change", obj)

    def has_add_permission(self, request):
        return self._role_allows(request, "add")

    def has_change_permission(self, request, obj=None):
        return self._role_allows(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self._role_allows(request, "delete", obj)

    def _scope_choices(self, formfield, request):
        queryset = getattr(formfield, "queryset", None) if formfield is not None else None
        if queryset is None or request.user.is_superuser:
            return formfield
        if queryset.model is Company:
            formfield.queryset = queryset.filter(pk__in=companies_with_perm(request.user, model_perm(self.model,
                                                                                                     "add")))
        else:
            formfield.queryset = scope_queryset(queryset, request.user)
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self._scope_choices(super().formfield_for_foreignkey(db_field, request, **kwargs), request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return self._scope_choices(super().formfield_for_manytomany(db_field, request, **kwargs), request)

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
