"""`SuiteModelAdmin`: company-scoped admin whose saves and deletes are audited like a service's, and which
goes through the same rules as the API and the UI.

* A document past draft (its model's `is_locked` is true) is read-only here, but for the fields its
  services still allow (`editable_when_locked`); it cannot be deleted, and its inlines
  (`SuiteTabularInline`) neither add, change nor delete rows. A status field (the model's `workflow`)
  changes only through the services (admin actions), and no record moves to another company.
* `services = {"update": fn, "delete": fn}` route the admin's saves and deletes through the services:
  `fn(instance=..., actor=..., **changes)` after the inlines are saved, so the service validates the
  whole document (`service_changes` says what it is given; by default the changed fields). A refusal
  (`DomainError`) becomes an error message, and nothing is written.
* Admin actions call services.
"""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from apps.core.audit import record_change, snapshot
from apps.core.errors import DomainError
from apps.core.models import Company
from apps.core.permissions import companies_with_perm, has_company_perm, model_perm
from apps.core.scoping import scope_queryset


def run_per_record(modeladmin, request, queryset, service, arg: str, done: str) -> None:
    """An admin action: the service once per selected record (`service(**{arg: record}, actor=...)`); a refusal is
    an error message naming the record, never a 500, and the others still run."""
    count = 0
    for obj in queryset:
        try:
            service(**{arg: obj}, actor=request.user)
            count += 1
        except DomainError as error:
            modeladmin.message_user(request, f"{obj}: {error}", messages.ERROR)
    if count:
        modeladmin.message_user(request, f"{done}: {count}.", messages.SUCCESS)


def is_locked(obj) -> bool:
    """Whether a record is past the state in which it may be edited (the model's own `is_locked` rule)."""
    return obj is not None and obj.pk is not None and bool(getattr(obj, "is_locked", False))


class SuiteModelAdmin(admin.ModelAdmin):
    """For staff who are not superusers, rows, choices and rights follow their role in each company: they see the
    rows of companies whose role may view the model, change a row only where their role in its company allows, and
    pick related records of their own companies only. Superusers are the platform's operators and see all. Every
    admin change leaves an audit record; locked documents are read-only (see the module docstring)."""

    list_per_page = 50
    editable_when_locked: tuple[str, ...] = ()
    services: dict = {}

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

    # ---- what may change -------------------------------------------------------------------------
    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        fixed = []
        workflow = getattr(self.model, "workflow", None)
        if workflow is not None:
            fixed.append(workflow.field)
        if obj is not None and any(f.name == "company" for f in self.model._meta.fields):
            fixed.append("company")
        if is_locked(obj):
            fixed += [f.name for f in [*self.model._meta.fields, *self.model._meta.many_to_many]
                      if f.editable and not f.auto_created and f.name not in self.editable_when_locked]
        return [*readonly, *(name for name in dict.fromkeys(fixed) if name not in readonly)]

    def has_change_permission(self, request, obj=None):
        if is_locked(obj) and not self.editable_when_locked:
            return False  # view only: a POST is refused (403) and writes nothing
        return self._role_allows(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        if is_locked(obj):
            return False
        return self._role_allows(request, "delete", obj)

    # ---- writes ----------------------------------------------------------------------------------
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:  # a service refused: the save's transaction rolled back, nothing is written
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def _through_service(self, change: bool) -> bool:
        return change and "update" in self.services

    def service_changes(self, form, formsets) -> dict:
        """What the update service is given: the changed fields of the form (model fields and many-to-many)."""
        names = {f.name for f in [*self.model._meta.fields, *self.model._meta.many_to_many]}
        return {name: form.cleaned_data[name] for name in form.changed_data if name in names}

    def save_model(self, request, obj, form, change):
        if self._through_service(change):
            return  # saved by the update service once the inlines are written (save_related)
        before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        record_change(obj, actor=request.user, action="admin_update" if change else "admin_create", before=before)

    def save_related(self, request, form, formsets, change):
        if not self._through_service(change):
            super().save_related(request, form, formsets, change)
            return
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        changes = self.service_changes(form, formsets)
        if changes or any(formset.has_changed() for formset in formsets):
            instance = type(form.instance)._default_manager.get(pk=form.instance.pk)
            self.services["update"](instance=instance, actor=request.user, **changes)

    def delete_model(self, request, obj):
        if "delete" in self.services:
            self.services["delete"](instance=obj, actor=request.user)
            return
        record_change(obj, actor=request.user, action="admin_delete", before=snapshot(obj), after=None)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class SuiteTabularInline(admin.TabularInline):
    """Rows of a document, fixed with it: none is added, changed or deleted once the parent is locked."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return not is_locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not is_locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not is_locked(obj) and super().has_delete_permission(request, obj)


class ReadOnlyInline(SuiteTabularInline):
    """Rows only services write (an entry's lines, time logs): shown with their parent, never added, changed or
    deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(SuiteModelAdmin):
    """For append-only records (events, audit) and rows only services write: viewable, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
