"""`Resource`: the declaration of one model's browser screens (list, detail, forms, workflow buttons).

    class PartyResource(Resource):
        model = Party
        list_fields = ["number", "name", "kind", "email"]
        filter_fields = ["kind", "is_customer"]
        search_fields = ["number", "name"]
        form_fields = ["name", "kind", "email"]
        inlines = [Inline("addresses", ["kind", "street", "city"])]
        services = {"create": party_create, "update": party_update}

    urlpatterns = PartyResource.urls()

Every screen is company-scoped, permission-checked and audited through the services.
"""

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import django_tables2 as tables
from django import forms
from django.db import models as dj_models
from django.db.models import Q
from django.urls import path, reverse
from django_tables2.columns import library

from apps.core.api.filtersets import SuiteFilterSet
from apps.core.permissions import has_company_perm
from apps.core.ui.display import format_field_value, is_quantity_field, unit_path
from apps.core.ui.forms import ScopedInlineForm
from apps.core.ui.labels import field_label, humanize_label
from apps.core.workflow import allowed_transitions, may_take_step


@dataclass
class Inline:
    """Child rows edited with the parent (a formset): `related_name` on the parent, editable fields; listed on the
    detail page too unless `on_detail` is False (a detail template that shows them its own way, with totals)."""

    related_name: str
    fields: list[str]
    label: str | None = None
    extra: int = 1
    widgets: dict = dataclass_field(default_factory=dict)
    on_detail: bool = True


@dataclass
class Related:
    """A read-only list of related rows on the detail page."""

    label: str
    accessor: str | Callable
    fields: list[str]


@dataclass
class Action:
    """A workflow button: a service called with the object, the actor and the optional form's data."""

    service: Callable
    form_class: type[forms.Form] | None = None
    label: str | None = None
    style: str = "primary"
    confirm: str | None = None  # overrides the workflow transition's question (irreversible steps ask one)
    permission: str | None = None  # for an action outside the model's workflow; default `change_<model>`
    message: str | None = None  # the flash after it, "{object} reversed."; default: the transition's


@dataclass
class KanbanSpec:
    """A board of a stateful document: one column per status of `field`; dropping a card from column A on
    column B takes the resource's workflow action whose transition goes A→B (refused with the service's
    message otherwise).

        kanban = KanbanSpec(columns=["draft", "released", "in_progress", "completed"],
                            card_fields=["item", "quantity", "due_date"])
    """

    columns: list[str]
    field: str = "status"
    card_fields: list[str] = dataclass_field(default_factory=list)
    ordering: list[str] | None = None  # of the cards in a column; default: the model's
    limit: int = 50  # cards per column; the column's header links to the filtered list with all of them
    # finished columns (completed, closed, released): only the `done_limit` most recent cards, newest first, so a
    # year of finished documents does not make the board a page of thousands of pixels
    done: tuple[str, ...] = ()
    done_limit: int = 5
    # steps a drop never takes, though they lead to the column (closing a work order short is not "completing" it)
    never_dropped: tuple[str, ...] = ()

    def drop_verbs(self, workflow, source: str, target: str) -> list[str]:
        """The verbs a drop from `source` on `target` may take."""
        return [verb for verb in workflow.verbs_between(source, target) if verb not in self.never_dropped]


class Resource:
    """Base declaration; subclasses set the model and what to show. See module docstring."""

    model = None
    namespace = "core"
    name: str = ""
    title: str = ""
    title_plural: str = ""
    list_fields: list[str] = []
    filter_fields: list[str] | dict = []
    filterset_class = None
    search_fields: list[str] = []
    form_fields: list[str] = []
    form_class = None
    widgets: dict = {}  # form field → widget, e.g. a PickerWidget with its restriction (apps.core.ui.widgets)
    detail_fields: list[str] = []
    inlines: list[Inline] = []
    related: list[Related] = []
    services: dict[str, Callable] = {}
    actions: dict[str, Action] = {}
    can_create = True
    can_edit = True
    ordering: list[str] | None = None
    select_related: list[str] = []
    list_template = "core/generic/list.html"
    detail_template = "core/generic/detail.html"
    form_template = "core/generic/form.html"
    menu: tuple[str, str] | None = None  # (module, label) for the sidebar
    kanban: KanbanSpec | None = None  # a board view of the list (see KanbanSpec)

    # ---- names and urls -------------------------------------------------------------------
    @classmethod
    def url_name(cls, view: str) -> str:
        return f"{cls.namespace}:{cls.get_name()}_{view}"

    @classmethod
    def get_name(cls) -> str:
        return cls.name or cls.model._meta.model_name

    @classmethod
    def get_title(cls) -> str:
        return cls.title or humanize_label(cls.model._meta.verbose_name)

    @classmethod
    def get_title_plural(cls) -> str:
        return cls.title_plural or humanize_label(cls.model._meta.verbose_name_plural)

    @classmethod
    def detail_url(cls, obj) -> str:
        return reverse(cls.url_name("detail"), args=[obj.pk])

    @classmethod
    def perm(cls, action: str) -> str:
        meta = cls.model._meta
        return f"{meta.app_label}.{action}_{meta.model_name}"

    @classmethod
    def urls(cls, prefix: str | None = None) -> list:
        from apps.core.ui import views

        prefix = prefix if prefix is not None else f"{cls.get_name()}s/"
        name = cls.get_name()
        patterns = [
            path(prefix, views.ResourceListView.as_view(resource=cls), name=f"{name}_list"),
            path(f"{prefix}<int:pk>/", views.ResourceDetailView.as_view(resource=cls), name=f"{name}_detail"),
            path(f"{prefix}<int:pk>/do/<str:verb>/", views.ResourceActionView.as_view(resource=cls),
                 name=f"{name}_action"),
        ]
        if cls.can_create:
            patterns.append(path(f"{prefix}new/", views.ResourceCreateView.as_view(resource=cls),
                                 name=f"{name}_create"))
        if cls.can_edit:
            patterns.append(path(f"{prefix}<int:pk>/edit/", views.ResourceUpdateView.as_view(resource=cls),
                                 name=f"{name}_update"))
        if cls.kanban is not None:
            patterns += [
                path(f"{prefix}board/", views.ResourceKanbanView.as_view(resource=cls), name=f"{name}_kanban"),
                path(f"{prefix}<int:pk>/move/", views.ResourceKanbanMoveView.as_view(resource=cls),
                     name=f"{name}_move"),
            ]
        return patterns

    # ---- querysets, tables, filters, forms ---------------------------------------------------
    @classmethod
    def base_queryset(cls, request):
        queryset = cls.model._default_manager.all()
        if cls.select_related:
            queryset = queryset.select_related(*cls.select_related)
        return queryset

    @classmethod
    def list_queryset(cls, request):
        """The list's rows: the base queryset, with the rows its quantity columns take their unit from."""
        queryset = cls.base_queryset(request)
        path = unit_path(cls.model)
        if path and "__" in path and any(is_quantity_field(_model_field(cls.model, f)) for f in cls.list_fields):
            queryset = queryset.select_related(path.rsplit("__", 1)[0])
        return queryset

    @classmethod
    def search(cls, queryset, term: str):
        if not term or not cls.search_fields:
            return queryset
        condition = Q()
        for name in cls.search_fields:
            condition |= Q(**{f"{name}__icontains": term})
        return queryset.filter(condition)

    @classmethod
    def get_table_class(cls):
        fields = cls.list_fields or [f.name for f in cls.model._meta.concrete_fields if f.name != "company"][:6]
        columns = {name: _column(cls.model, name) for name in fields[1:]}
        columns[fields[0]] = _column(cls.model, fields[0], linkify=lambda record: cls.detail_url(record))
        meta = type("Meta", (), {"model": cls.model, "fields": fields,
                                 "attrs": {"class": "table table-sm table-hover align-middle"},
                                 "order_by": cls.ordering})
        return type(f"{cls.model.__name__}Table", (tables.Table,), {"Meta": meta, **columns})

    @classmethod
    def get_filterset_class(cls):
        if cls.filterset_class:
            return cls.filterset_class
        meta = type("Meta", (), {"model": cls.model, "fields": cls.filter_fields})
        return type(f"{cls.model.__name__}FilterSet", (SuiteFilterSet,), {"Meta": meta})

    @classmethod
    def get_form_class(cls):
        if cls.form_class:
            return cls.form_class
        return forms.modelform_factory(cls.model, fields=cls.form_fields, widgets=cls.widgets or None)

    @classmethod
    def edit_form_class(cls):
        """The form of the edit page; the create form unless a resource edits fewer fields than it creates."""
        return cls.get_form_class()

    @classmethod
    def get_formset_classes(cls) -> list[tuple[Inline, type]]:
        result = []
        for inline in cls.inlines:
            relation = cls.model._meta.get_field(inline.related_name)
            formset = forms.inlineformset_factory(
                cls.model, relation.related_model, fk_name=relation.field.name, fields=inline.fields,
                extra=inline.extra, can_delete=True, widgets=inline.widgets, form=ScopedInlineForm,
            )
            inline.label = inline.label or str(relation.related_model._meta.verbose_name_plural).capitalize()
            result.append((inline, formset))
        return result

    @classmethod
    def get_detail_fields(cls) -> list[str]:
        return cls.detail_fields or cls.form_fields or cls.list_fields

    @classmethod
    def list_context(cls, request) -> dict:
        """Extra template context of the list page (for a resource's own list template)."""
        return {}

    @classmethod
    def detail_context(cls, obj) -> dict:
        """Extra template context of the detail page (for a resource's own detail template)."""
        return {}

    @classmethod
    def visible_actions(cls, obj, user) -> list[tuple[str, Action]]:
        """Workflow buttons allowed now by the object's status, the user's role in its company and the step's
        guard: a step that declares its own permission needs that one, any other the model's change permission."""
        if getattr(type(obj), "workflow", None) is None:
            return [(verb, a) for verb, a in cls.actions.items() if cls.may_take(obj, verb, user)]
        allowed = set(allowed_transitions(obj, user))
        return [(verb, a) for verb, a in cls.actions.items() if verb in allowed]

    @classmethod
    def may_take(cls, obj, verb: str, user) -> bool:
        """Whether the user's role in the record's company allows this step at all (status aside)."""
        workflow = getattr(type(obj), "workflow", None)
        if workflow is not None and verb in workflow.transitions:
            return may_take_step(obj, verb, user)
        action = cls.actions.get(verb)
        return has_company_perm(user, (action and action.permission) or cls.perm("change"), obj)


def _model_field(model, name: str):
    """The model field at the end of a `a__b` path, or None for a property or method."""
    current = model
    field_ = None
    for part in name.split("__"):
        try:
            field_ = current._meta.get_field(part)
        except Exception:
            return None
        current = field_.related_model or current
    return field_


class FormattedColumn(tables.Column):
    """A number column as the detail page shows it: quantities with their unit, percentages, grouped amounts.
    Exports get the plain number."""

    def __init__(self, *args, model_field=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.model_field = model_field

    def render(self, value, record, bound_column):
        owner = record
        for part in str(bound_column.accessor).split("__")[:-1]:
            owner = getattr(owner, part, None)
        return format_field_value(self.model_field, value, owner)

    def value(self, value, **kwargs):
        return value


def _column(model, name: str, **kwargs) -> tables.Column:
    """The list column of a field: its suite label, numbers formatted, ids never grouped ("1234", not "1,234")."""
    field_ = _model_field(model, name)
    label = field_label(model, name)
    if isinstance(field_, dj_models.DecimalField):
        column = FormattedColumn(accessor=name, verbose_name=label, model_field=field_,
                                 attrs={"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}},
                                 **kwargs)
    elif isinstance(field_, dj_models.AutoField | dj_models.BigAutoField):
        column = tables.Column(accessor=name, verbose_name=label, localize=False, **kwargs)
    else:
        column = library.column_for_field(field_, accessor=name, **kwargs) if field_ is not None else \
            tables.Column(accessor=name, **kwargs)
        column.verbose_name = label
    return column


def declared_resources() -> list[type[Resource]]:
    """Every Resource subclass declared so far, at any depth (the apps declare theirs when their URLs load)."""
    found, stack = [], list(Resource.__subclasses__())
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found
