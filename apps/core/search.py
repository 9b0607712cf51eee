"""Global search: document numbers, item numbers and party names across modules, from one box (`/` or Ctrl+K).

Each module registers the models people look up, from its AppConfig.ready():

    register_search(PurchaseOrder, ["number", "supplier__name"], module="SCM", label="Purchase orders",
                    select_related=["supplier"], describe=lambda po: f"{po.supplier.name} · {po.get_status_display()}")

`search()` answers for the active company only, and only from models whose view permission the user's role
there grants; the term is cleaned (NUL and control characters dropped) and cut to `MAX_QUERY` characters.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, Value, When

from apps.core.models import Party
from apps.core.permissions import has_company_perm, model_perm
from apps.core.scoping import scope_queryset

MAX_QUERY = 100
MIN_QUERY = 2
PER_MODEL = 5


@dataclass(frozen=True)
class Searchable:
    """A model the global search looks in: the fields it matches and how a hit is shown."""

    model: type
    fields: tuple[str, ...]
    module: str
    label: str
    permission: str
    select_related: tuple[str, ...] = ()
    describe: Callable | None = None
    url: Callable | None = None


_registry: dict[str, Searchable] = {}


def register_search(model, fields: list[str], *, module: str, label: str | None = None,
                    permission: str | None = None, select_related: list[str] = (),
                    describe: Callable | None = None, url: Callable | None = None) -> None:
    """Make `model` findable by `fields` (the first is matched by prefix first: numbers rank before names)."""
    _registry[model._meta.label_lower] = Searchable(
        model, tuple(fields), module, label or str(model._meta.verbose_name_plural).capitalize(),
        permission or model_perm(model, "view"), tuple(select_related), describe, url)


def registered() -> list[Searchable]:
    return list(_registry.values())


def clean_query(raw) -> str:
    """The search term without NUL or control characters, whitespace collapsed, at most MAX_QUERY characters."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(raw or "")[: MAX_QUERY * 4])
    return " ".join(text.split())[:MAX_QUERY]


def search(user, company_id: int | None, raw_query, *, per_model: int = PER_MODEL) -> dict:
    """`{"query": q, "groups": [{"module", "label", "results": [{"title", "url", "detail"}]}]}` for the active
    company; no group for a model the role may not view."""
    query = clean_query(raw_query)
    if len(query) < MIN_QUERY or company_id is None:
        return {"query": query, "groups": []}
    groups = []
    for entry in _registry.values():
        if not has_company_perm(user, entry.permission, company_id):
            continue
        condition = Q()
        for name in entry.fields:
            condition |= Q(**{f"{name}__icontains": query})
        first = entry.fields[0]
        queryset = scope_queryset(entry.model._default_manager.all(), user, [company_id]).filter(condition)
        if entry.select_related:
            queryset = queryset.select_related(*entry.select_related)
        rank = Case(When(**{f"{first}__iexact": query}, then=Value(0)),
                    When(**{f"{first}__istartswith": query}, then=Value(1)), default=Value(2),
                    output_field=IntegerField())
        rows = list(queryset.annotate(search_rank=rank).order_by("search_rank", first)[:per_model])
        if rows:
            groups.append({"module": entry.module, "label": entry.label, "results": [
                {"title": str(row), "url": entry.url(row) if entry.url else row.get_absolute_url(),
                 "detail": entry.describe(row) if entry.describe else ""} for row in rows]})
    return {"query": query, "groups": groups}


register_search(Party, ["number", "name", "tax_id", "email"], module="Parties", label="Customers and suppliers",
                describe=lambda p: " · ".join(filter(None, ["customer" if p.is_customer else "",
                                                            "supplier" if p.is_supplier else "", p.email])))
