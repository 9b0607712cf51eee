"""The generic browser views every module reuses: list, detail, create/edit with inlines, workflow steps."""

import inspect
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from apps.core.errors import DomainError, from_validation_error
from apps.core.models import Company
from apps.core.permissions import has_company_perm
from apps.core.scoping import scope_filterset, scope_to_active_company
from apps.core.ui.display import display_fields, related_rows
from apps.core.ui.forms import scope_form


def can(request, permission: str) -> bool:
    """For function views and templates: whether the user's role in the active company grants the permission."""
    return has_company_perm(request.user, permission, request.company_id)


def require_permission(request, permission: str) -> None:
    """For function views: 403 unless the user's role in the active company grants the permission."""
    if not can(request, permission):
        raise PermissionDenied


def role_required(permission: str):
    """Decorator of a function view: log in, then 403 unless the role in the active company grants `permission`
    (Django's `permission_required` would let a superuser flag stand in for the company role)."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require_permission(request, permission)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorate


class CompanyScopedViewMixin(LoginRequiredMixin):
    """UI side of company scoping: rows of the active company only; others answer 404."""

    resource = None
    required_action = "view"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_permission(request, self.resource.perm(self.required_action))
        return super().dispatch(request, *args, **kwargs)

    def scoped(self, queryset):
        return scope_to_active_company(queryset, self.request)

    def get_queryset(self):
        return self.scoped(self.resource.base_queryset(self.request))

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        resource = self.resource
        context["resource"] = resource
        context["title"] = resource.get_title_plural()
        context["urls"] = {view: resource.url_name(view) for view in ("list", "detail", "action", "update")}
        if resource.can_create and has_company_perm(self.request.user, resource.perm("add"), self.request.company_id):
            context["create_url"] = reverse(resource.url_name("create"))
        return context


class ResourceListView(CompanyScopedViewMixin, ExportMixin, SingleTableMixin, FilterView):
    """Search, filters, sort, pagination, CSV/XLSX export of what is shown."""

    paginate_by = 25
    export_formats = ("csv", "xlsx")

    def get_template_names(self):
        return [self.resource.list_template]

    def get_filterset_class(self):
        return self.resource.get_filterset_class()

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        scope_filterset(filterset, self.request.user, [self.request.company_id])
        scope_form(filterset.form, self.request)  # record filters are searchable pickers too
        return filterset

    def get_table_class(self):
        return self.resource.get_table_class()

    def get_queryset(self):
        queryset = super().get_queryset()
        return self.resource.search(queryset, self.request.GET.get("q", "").strip())

    def get_export_filename(self, export_format):
        return f"{self.resource.get_name()}s.{export_format}"

    def get_table_kwargs(self):
        return {"exclude": ()}


def apply_domain_error(error: DomainError, form, formsets) -> None:
    """Show a service's DomainError on the form field (or inline row field) it names."""
    by_name = {inline.related_name: fs for inline, fs in formsets}
    for field, _code, message in error.errors:
        parts = (field or "").split(".")
        if len(parts) == 3 and parts[0] in by_name and parts[1].isdigit():
            live = [f for f in by_name[parts[0]].forms if _kept(f)]
            index = int(parts[1])
            if index < len(live):
                target = live[index]
                target.add_error(parts[2] if parts[2] in target.fields else None, message)
                continue
        form.add_error(field if field in form.fields else None, message)


def _deleted(form) -> bool:
    return bool(form.cleaned_data.get("DELETE")) if hasattr(form, "cleaned_data") else False


def _kept(form) -> bool:
    """A row that stays: not deleted, and either filled in or an existing row (even if unchanged)."""
    return not _deleted(form) and (form.has_changed() or form.instance.pk is not None)


def inline_rows(formset) -> list[dict]:
    """The cleaned rows of a formset: filled, not deleted, without its own bookkeeping fields."""
    rows = []
    fk_name = formset.fk.name
    for f in formset.forms:
        if not _kept(f):
            continue
        rows.append({k: v for k, v in f.cleaned_data.items() if k not in ("id", "DELETE", fk_name)})
    return rows


class ResourceFormView(CompanyScopedViewMixin, TemplateView):
    """Create or edit a record with its inline rows; the resource's service does the write."""

    object = None

    def get_template_names(self):
        return [self.resource.form_template]

    def get_initial(self) -> dict:
        return {}

    def build(self, data=None, files=None):
        form_class = self.resource.get_form_class() if self.object is None else self.resource.edit_form_class()
        form = form_class(data=data, files=files, instance=self.object, initial=self.get_initial())
        scope_form(form, self.request)
        formsets = []
        for inline, formset_class in self.resource.get_formset_classes():
            formset = formset_class(data=data, files=files, instance=self.object or self.resource.model(),
                                    prefix=inline.related_name, form_kwargs={"request": self.request})
            formsets.append((inline, formset))
        return form, formsets

    def get(self, request, *args, **kwargs):
        form, formsets = self.build()
        return self.render_to_response(self.get_context_data(form=form, formsets=formsets))

    def post(self, request, *args, **kwargs):
        form, formsets = self.build(request.POST, request.FILES)
        if form.is_valid() and all(fs.is_valid() for _, fs in formsets):
            data = {k: v for k, v in form.cleaned_data.items() if k in form._meta.fields or k in form.fields}
            for inline, formset in formsets:
                data[inline.related_name] = inline_rows(formset)
            try:
                obj = self.save(data)
            except DomainError as error:
                apply_domain_error(error, form, formsets)
            except ValidationError as error:
                apply_domain_error(from_validation_error(error), form, formsets)
            else:
                messages.success(request, f"{self.resource.get_title()} {obj} saved.")
                return HttpResponseRedirect(self.resource.detail_url(obj))
        return self.render_to_response(self.get_context_data(form=form, formsets=formsets), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        return context


class ResourceCreateView(ResourceFormView):
    """`?<field>=<value>` pre-fills the form (an "Upload" link on an item pre-selects the item)."""

    required_action = "add"

    def get_initial(self) -> dict:
        fields = self.resource.get_form_class().base_fields
        return {name: value for name, value in self.request.GET.items() if name in fields}

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.company_id is None:
            raise PermissionDenied("You belong to no company.")
        return super().dispatch(request, *args, **kwargs)

    def save(self, data):
        from apps.core.services.records import record_create

        model = self.resource.model
        # company-owned rows go to the active company; reference data (currencies, units) has none
        if any(f.name == "company" for f in model._meta.concrete_fields):
            data["company"] = Company.objects.get(pk=self.request.company_id)
        service = self.resource.services.get("create")
        if service is None:
            return record_create(model=model, actor=self.request.user, **data)
        return service(actor=self.request.user, **data)


class ResourceUpdateView(ResourceFormView):
    required_action = "change"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def save(self, data):
        from apps.core.services.records import record_update

        service = self.resource.services.get("update") or record_update
        return service(instance=self.object, actor=self.request.user, **data)


class ResourceDetailView(CompanyScopedViewMixin, TemplateView):
    """Fields, related lists, workflow buttons, and the history/notes/attachments panel."""

    def get_template_names(self):
        return [self.resource.detail_template]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.get_object()
        resource = self.resource
        context.update(
            object=obj,
            title=f"{resource.get_title()} {obj}",
            fields=display_fields(obj, resource.get_detail_fields()),
            related=related_rows(obj, resource),
            actions=[(verb, action, action_form(action, self.request))
                     for verb, action in resource.visible_actions(obj, self.request.user)],
            can_edit=resource.can_edit and has_company_perm(self.request.user, resource.perm("change"), obj)
            and not getattr(obj, "is_locked", False),
        )
        context.update(resource.detail_context(obj))
        return context


def action_form(action, request, data=None, files=None):
    """A workflow step's form with every related-record choice scoped to the active company (or None)."""
    if action.form_class is None:
        return None
    form = action.form_class(data, files)
    scope_form(form, request)
    return form


class ResourceActionView(CompanyScopedViewMixin, View):
    """POST a workflow step: calls the action's service; errors come back as messages.

    Opening the record needs `view`; which steps the user may take is `visible_actions` (change or step permission).
    """

    def post(self, request, pk: int, verb: str):
        obj = self.get_object()
        action = self.resource.actions.get(verb)
        if action is None:
            raise Http404("No such action here.")
        if verb not in dict(self.resource.visible_actions(obj, request.user)):
            if not self.resource.may_take(obj, verb, request.user):
                raise PermissionDenied
            raise Http404("This step is not available now.")
        data = {}
        if action.form_class is not None:
            form = action_form(action, request, request.POST, request.FILES)
            if not form.is_valid():
                for field, errors in form.errors.items():
                    messages.error(request, f"{field}: {' '.join(errors)}")
                return HttpResponseRedirect(self.resource.detail_url(obj))
            data = form.cleaned_data
        object_arg = next(iter(inspect.signature(action.service).parameters))
        try:
            with transaction.atomic():
                result = action.service(**{object_arg: obj}, actor=request.user, **data)
        except DomainError as error:
            for field, _code, message in error.errors:
                messages.error(request, f"{field}: {message}" if field else message)
        else:
            messages.success(request, f"{(action.label or verb).replace('_', ' ').capitalize()}: done.")
            if isinstance(result, models.Model) and result.pk and type(result) is not type(obj):
                target = getattr(result, "get_absolute_url", None)
                if target:
                    return HttpResponseRedirect(target())
        return HttpResponseRedirect(self.resource.detail_url(obj))
