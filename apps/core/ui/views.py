"""The generic browser views every module reuses: list, detail, create/edit with inlines, workflow steps."""

import copy
import inspect
from functools import wraps
from typing import NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from apps.core.errors import DomainError, PermissionDeniedError, TransitionNotAllowed, from_validation_error
from apps.core.models import Company
from apps.core.navigation import breadcrumbs_for
from apps.core.permissions import has_company_perm
from apps.core.scoping import scope_filterset, scope_to_active_company
from apps.core.ui.display import display_fields, related_rows
from apps.core.ui.errors import RoleDenied
from apps.core.ui.forms import scope_form
from apps.core.ui.kanban import kanban_board
from apps.core.ui.labels import humanize_label, relabel_form
from apps.core.workflow import transition


def can(request, permission: str) -> bool:
    """For function views and templates: whether the user's role in the active company grants the permission."""
    return has_company_perm(request.user, permission, request.company_id)


def require_permission(request, permission: str) -> None:
    """For function views: 403 unless the user's role in the active company grants the permission (the 403 page
    names it)."""
    if not can(request, permission):
        raise RoleDenied(permission)


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
        if resource.kanban is not None:
            context["kanban_url"] = reverse(resource.url_name("kanban"))
        context["breadcrumbs"] = self.breadcrumbs()
        return context

    def breadcrumbs(self) -> list[tuple[str, str | None]]:
        """Home > module > list (> record > step): the trail of every generic page."""
        resource = self.resource
        return breadcrumbs_for(resource.url_name("list"), resource.get_title_plural())


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
        queryset = self.scoped(self.resource.list_queryset(self.request))
        return self.resource.search(queryset, self.request.GET.get("q", "").strip())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.resource.list_context(self.request))
        return context

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
        relabel_form(form)
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
        # every form and formset is cleaned (a list, not a short-circuiting `all(...)`), so all errors show at once
        valid = [form.is_valid(), *(fs.is_valid() for _, fs in formsets)]
        if all(valid):
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
        context["error_count"] = _error_count(kwargs.get("form"), kwargs.get("formsets") or [])
        return context

    def breadcrumbs(self):
        trail = super().breadcrumbs()
        if self.object is not None:
            return [*trail, (str(self.object), self.resource.detail_url(self.object)), ("Edit", None)]
        return [*trail, (f"New {self.resource.get_title().lower()}", None)]


def _error_count(form, formsets) -> int:
    """How many problems the page shows (the summary above the form says it, with a link to the first)."""
    if form is None or not form.is_bound:
        return 0
    count = sum(len(errors) for errors in form.errors.values())
    for _inline, formset in formsets:
        count += len(formset.non_form_errors()) + sum(len(e) for f in formset.forms for e in f.errors.values())
    return count


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
        self.object = obj
        context.update(
            object=obj,
            title=f"{resource.get_title()} {obj}",
            fields=display_fields(obj, resource.get_detail_fields()),
            related=related_rows(obj, resource),
            actions=[Button(verb, action, action_form(action, self.request, verb=verb), step_confirm(obj, verb, action),
                            step_label(obj, verb, action))
                     for verb, action in resource.visible_actions(obj, self.request.user)],
            can_edit=resource.can_edit and has_company_perm(self.request.user, resource.perm("change"), obj)
            and not getattr(obj, "is_locked", False),
        )
        context["breadcrumbs"] = self.breadcrumbs()
        context.update(resource.detail_context(obj))
        return context

    def breadcrumbs(self):
        trail = super().breadcrumbs()
        obj = getattr(self, "object", None)
        return [*trail, (str(obj), None)] if obj is not None else trail


class Button(NamedTuple):
    """A workflow button of the detail page: the step, its form (or None), the question it asks first."""

    verb: str
    action: object
    form: object
    confirm: str | None
    label: str


def step_permission(resource, obj, verb: str) -> str:
    """The permission a step needs: its own, else the model's change permission (as `may_take` decides)."""
    step = _step(obj, verb)
    action = resource.actions.get(verb)
    return (step.permission if step is not None else None) or (action and action.permission) or resource.perm(
        "change")


def _step(obj, verb: str):
    workflow = getattr(type(obj), "workflow", None)
    return workflow.transitions.get(verb) if workflow is not None else None


def step_confirm(obj, verb: str, action) -> str | None:
    """The confirmation an irreversible step asks: the action's own, else the one declared on its transition."""
    step = _step(obj, verb)
    return action.confirm or (step.confirm if step is not None else None)


def step_label(obj, verb: str, action) -> str:
    step = _step(obj, verb)
    return humanize_label(action.label or (step.label if step is not None else None) or verb)


def outcome_message(resource, obj, verb: str, action, result=None) -> str:
    """The flash after a step names the record and the outcome: "PO-2026-00012 sent to the supplier."."""
    step = _step(obj, verb)
    template = action.message or (step.message if step is not None else None)
    if template:
        return template.format(object=obj, result=result if result is not None else obj)
    workflow = getattr(type(obj), "workflow", None)
    if step is not None and workflow is not None:
        obj.refresh_from_db()
        status = getattr(obj, f"get_{workflow.field}_display")()
        return f"{resource.get_title()} {obj} is now {str(status).lower()}."
    return f"{resource.get_title()} {obj}: {step_label(obj, verb, action).lower()} done."


def action_form(action, request, data=None, files=None, verb: str = ""):
    """A workflow step's form with every related-record choice scoped to the active company (or None); the ids of
    its fields carry the verb, so two steps' forms on one page never share an id."""
    if action.form_class is None:
        return None
    form = action.form_class(data, files, auto_id=f"id_{verb}_%s" if verb else "id_%s")
    scope_form(form, request)
    relabel_form(form)
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
                raise RoleDenied(step_permission(self.resource, obj, verb))
            reason = step_refusal(obj, verb)
            if reason is None:
                raise Http404("This step is not available now.")
            messages.error(request, reason)  # a stale button: say why, on the record
            return HttpResponseRedirect(self.resource.detail_url(obj))
        data = {}
        if action.form_class is not None:
            form = action_form(action, request, request.POST, request.FILES)
            if not form.is_valid():
                for field, errors in form.errors.items():
                    label = form.fields[field].label if field in form.fields else None
                    messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
                return HttpResponseRedirect(self.resource.detail_url(obj))
            data = form.cleaned_data
        try:
            result = run_action(action, obj, request.user, data)
        except DomainError as error:
            for field, _code, message in error.errors:
                messages.error(request, f"{humanize_label(field)}: {message}" if field else message)
        else:
            messages.success(request, outcome_message(self.resource, obj, verb, action, result))
            if isinstance(result, models.Model) and result.pk and type(result) is not type(obj):
                target = getattr(result, "get_absolute_url", None)
                if target:
                    return HttpResponseRedirect(target())
        return HttpResponseRedirect(self.resource.detail_url(obj))


def step_refusal(obj, verb: str) -> str | None:
    """Why a workflow step cannot be taken on the record now (its status, or its guard's sentence), for a button
    clicked on a page that was stale; None when the record has no such step."""
    workflow = getattr(type(obj), "workflow", None)
    step = workflow.transitions.get(verb) if workflow is not None else None
    if step is None:
        return None
    if getattr(obj, workflow.field) not in step.sources:
        name = str(type(obj)._meta.verbose_name)
        return f"{name.capitalize()} {obj} is {getattr(obj, workflow.field)}: '{step.label or verb}' is not possible."
    return step.refusal(obj)


def run_action(action, obj, actor, data: dict):
    """Call a workflow action's service on `obj` in one transaction (DomainError leaves nothing behind)."""
    object_arg = next(iter(inspect.signature(action.service).parameters))
    with transaction.atomic():
        return action.service(**{object_arg: obj}, actor=actor, **data)


class ResourceKanbanView(CompanyScopedViewMixin, TemplateView):
    """The board of a stateful document: a column per status, cards the user may drag to the next status."""

    template_name = "core/generic/kanban.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["board"] = kanban_board(self.resource, self.get_queryset(), self.request.user,
                                        self.request.company_id)
        context["title"] = f"{self.resource.get_title_plural()}: board"
        context["resource_move_name"] = self.resource.url_name("move")
        return context

    def breadcrumbs(self):
        return [*super().breadcrumbs(), ("Board", None)]


class ResourceKanbanMoveView(CompanyScopedViewMixin, View):
    """A card dropped on another column: take the workflow action whose transition goes there.

    Answers JSON `{"ok", "message", "status"}`: 200 when the step was taken, 409 with the service's message when
    it was refused (the card snaps back; nothing changed), 403 when the role may not take the step.
    """

    def post(self, request, pk: int):
        obj = self.get_object()
        spec = self.resource.kanban
        target = request.POST.get("status", "")
        if target not in spec.columns:
            return _refused(obj, spec, "There is no such column on this board.", 400)
        if target == getattr(obj, spec.field):
            return JsonResponse({"ok": True, "message": "", "status": target})
        verb, action = self.step_to(obj, target)
        if verb is None:
            return _refused(obj, spec, action, 409)
        if verb not in dict(self.resource.visible_actions(obj, request.user)):
            if not self.resource.may_take(obj, verb, request.user):
                return _refused(obj, spec, f"Your role in this company may not {step_label(obj, verb, action).lower()} "
                                           f"{self.resource.get_title().lower()} {obj}.", 403)
            return _refused(obj, spec, f"{step_label(obj, verb, action)} is not available for {obj} now.", 409)
        data = {}
        if action.form_class is not None:
            form = action_form(action, request, {})
            if not form.is_valid():
                return _refused(obj, spec, f"{step_label(obj, verb, action)} needs more input: open {obj} and use its "
                                           "button.", 409)
            data = form.cleaned_data
        try:
            result = run_action(action, obj, request.user, data)
        except DomainError as error:
            obj.refresh_from_db()
            return _refused(obj, spec, " ".join(message for _f, _c, message in error.errors),
                            403 if isinstance(error, PermissionDeniedError) else 409)
        message = outcome_message(self.resource, obj, verb, action, result)
        obj.refresh_from_db()
        return JsonResponse({"ok": True, "message": message, "status": getattr(obj, spec.field)})

    def step_to(self, obj, target: str):
        """(verb, action) of the resource's action that moves `obj` to `target`, or (None, the refusal)."""
        workflow = type(obj).workflow
        current = getattr(obj, workflow.field)
        verbs = self.resource.kanban.drop_verbs(workflow, current, target)
        for verb in verbs:
            if verb in self.resource.actions:
                return verb, self.resource.actions[verb]
        if verbs:
            return None, (f"{humanize_label(verbs[0])} {obj} on its page: that step needs its own form.")
        try:
            transition(copy.copy(obj), to=target)  # the workflow's own refusal, without touching `obj`
        except TransitionNotAllowed as error:
            return None, error.message.replace(f"{type(obj)._meta.verbose_name} ", f"{obj} ", 1)
        return None, "This move is not possible."


def _refused(obj, spec, message: str, status: int) -> JsonResponse:
    return JsonResponse({"ok": False, "message": message, "status": getattr(obj, spec.field)}, status=status)
