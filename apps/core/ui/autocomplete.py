"""The one autocomplete endpoint behind every picker: `GET /core/autocomplete/<app_label>.<model>/`.

    ?q=<text>&page=<n>&limit=<signed lookups>&<foreign key>=<id>...
    → {"results": [{"id": 7, "text": "BOLT-M8 Hex bolt"}], "more": true}

The same rules as the list the picker stands for: rows of the ACTIVE company only, `view_<model>` in it
(403 otherwise), searched like that model's Resource (its `search_fields`, `select_related`, `ordering`),
20 a page. `limit` is the picker's fixed restriction, signed by the server (`widgets.sign_limit`);
dependent pickers filter by the model's own foreign keys (`?item=12`). Users are offered as the members of
the active company. `q` is length-bounded and NUL-safe.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import FieldError, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404, JsonResponse

from apps.core.permissions import PLATFORM_MODELS, model_perm
from apps.core.scoping import scope_to_active_company
from apps.core.ui.views import require_permission
from apps.core.ui.widgets import unsign_limit

PAGE_SIZE = 20
MAX_PAGE = 500
MAX_QUERY_LENGTH = 100
# searched when the model has no Resource and no registration
FALLBACK_SEARCH = ("number", "code", "name", "title", "username", "first_name", "last_name", "email")
USER_SEARCH = ["username", "first_name", "last_name", "email"]


@dataclass
class PickerSource:
    """How the records of one model are searched and shown in a picker."""

    search_fields: list[str]
    select_related: list[str] = field(default_factory=list)
    ordering: list[str] = field(default_factory=list)


_registered: dict[str, PickerSource] = {}


def register_picker(model_label: str, *, search: list[str], select_related: list[str] | None = None,
                    ordering: list[str] | None = None) -> None:
    """Declare how a model without a Resource is searched (`"scm.purchaseorderline"`)."""
    _registered[model_label.lower()] = PickerSource(list(search), list(select_related or []), list(ordering or []))


def primary_resource(model):
    """The most general Resource of a model (parties rather than suppliers), declared by an app."""
    from apps.core.ui.resource import declared_resources

    candidates = [r for r in declared_resources() if r.model is model]
    roots = [r for r in candidates if not any(o is not r and issubclass(r, o) for o in candidates)]
    roots.sort(key=lambda r: (not r.__module__.startswith("apps."), r.__module__, r.__qualname__))
    return roots[0] if roots else None


def picker_source(model) -> PickerSource:
    if model is get_user_model():
        return PickerSource(USER_SEARCH, ordering=["username"])
    registered = _registered.get(model._meta.label_lower)
    if registered is not None:
        return registered
    resource = primary_resource(model)
    if resource is not None and resource.search_fields:
        return PickerSource(list(resource.search_fields), list(resource.select_related), list(resource.ordering or []))
    names = {f.name for f in model._meta.concrete_fields}
    return PickerSource([name for name in FALLBACK_SEARCH if name in names])


def searched_remotely(model) -> bool:
    """Company records (and users) are too many to list: the browser asks the endpoint as one types."""
    return bool(getattr(model, "company_path", None)) or model is get_user_model()


def company_members(queryset: QuerySet, company_id: int | None) -> QuerySet:
    """Users offered in a company's forms: its members only (never another company's staff)."""
    return queryset.filter(memberships__company_id=company_id).distinct()


def picker_permission(model) -> str:
    """Reading a picker's records needs what reading their list needs; users: reading the company's members."""
    return "core.view_membership" if model is get_user_model() else model_perm(model, "view")


def clean_term(raw: str | None) -> str:
    """The search text: bounded, without NUL characters (PostgreSQL refuses them), trimmed."""
    return (raw or "")[:MAX_QUERY_LENGTH].replace("\x00", "").strip()


def _page(raw: str | None) -> int:
    return min(int(raw), MAX_PAGE) if raw and raw.isdigit() and int(raw) > 0 else 1


def _bad_request(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def _model(label: str):
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404("No such model.") from None
    if not (searched_remotely(model) or model._meta.label_lower in PLATFORM_MODELS):
        raise Http404("No picker for this model.")
    return model


def _foreign_keys(model) -> set[str]:
    return {f.name for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey) and f.name != "company"}


def picker_queryset(request, model) -> QuerySet:
    """The records the user may pick in the active company, before search and picker restrictions."""
    source = picker_source(model)
    queryset = model._default_manager.all()
    if source.select_related:
        queryset = queryset.select_related(*source.select_related)
    if model is get_user_model():
        return company_members(queryset, request.company_id)
    return scope_to_active_company(queryset, request) if searched_remotely(model) else queryset


def search(queryset: QuerySet, fields: list[str], term: str) -> QuerySet:
    if not term or not fields:
        return queryset
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": term})
    return queryset.filter(condition)


@login_required
def autocomplete(request, model: str):
    """One page of the records a picker offers (see the module docstring)."""
    model_class = _model(model)
    require_permission(request, picker_permission(model_class))
    queryset = picker_queryset(request, model_class)
    try:
        if request.GET.get("limit"):
            limit = unsign_limit(request.GET["limit"])
            queryset = queryset.filter(**limit.get("filter", {})).exclude(**limit.get("exclude", {}))
        for name in _foreign_keys(model_class) & set(request.GET):
            value = request.GET[name]
            if not value.isdigit():
                return _bad_request(f"{name}: give a record id.")
            queryset = queryset.filter(**{f"{name}_id": int(value)})
    except (signing.BadSignature, FieldError, ValidationError, ValueError):
        return _bad_request("limit: not a valid picker restriction.")
    source = picker_source(model_class)
    queryset = search(queryset, source.search_fields, clean_term(request.GET.get("q")))
    ordering = source.ordering or list(model_class._meta.ordering) or ["pk"]
    queryset = queryset.order_by(*ordering, "pk")
    page = _page(request.GET.get("page"))
    start = (page - 1) * PAGE_SIZE
    rows = list(queryset[start:start + PAGE_SIZE + 1])
    results = [{"id": row.pk, "text": _text(row)} for row in rows[:PAGE_SIZE]]
    return JsonResponse({"results": results, "more": len(rows) > PAGE_SIZE})


def _text(row) -> str:
    if isinstance(row, get_user_model()):
        return row.get_full_name() or row.get_username()
    return str(row)


def scoped_record(request, queryset: QuerySet, name: str):
    """For the small defaults endpoints: the record whose id is the GET parameter `name`, in the active
    company, or None (absent, not an id, another company's)."""
    value = request.GET.get(name, "")
    if not value.isdigit():
        return None
    return scope_to_active_company(queryset, request).filter(pk=int(value)).first()
