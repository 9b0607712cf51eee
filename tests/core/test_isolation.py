"""Company isolation of EVERY list and detail, API and UI, discovered from the URL conf.

New modules' routes are covered as soon as they are mounted: each API list route under /api/v1/
and each UI Resource list/detail. A row of each company is built with the module's factory
(`tests/<app>/factories.py`, the factory whose model matches): the list must not show the other company's
row and the other company's detail must answer 404. A company-owned model behind a route without such a
factory, or with a factory that cannot build a row from the company alone, fails the test (so the 404
check of a route can never be dropped silently).
"""

import importlib
import inspect
import re

import factory
import pytest
from django.apps import apps
from django.db import DatabaseError, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.mixins import is_company_owned, make_row, token_client

pytestmark = pytest.mark.django_db


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = ":".join(filter(None, [namespace, entry.namespace])) or None
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace, entry


def _clean(route: str) -> str:
    return "/" + route.replace("^", "").replace("$", "")


def api_list_routes() -> list[tuple[str, type]]:
    """(url, viewset class) of every list route under /api/v1/."""
    routes = []
    for route, _ns, entry in _walk(get_resolver().url_patterns):
        cls, actions = getattr(entry.callback, "cls", None), getattr(entry.callback, "actions", None) or {}
        if cls is None or actions.get("get") != "list" or "(?P<format>" in route:
            continue
        url = _clean(route)
        if url.startswith("/api/v1/"):
            routes.append((url, cls))
    return sorted(routes, key=lambda r: r[0])


def ui_resources() -> list[tuple[str, str | None, type]]:
    """(url name of the list view, of the detail view, resource) of every UI Resource."""
    views: dict[type, dict[str, str]] = {}
    for _route, ns, entry in _walk(get_resolver().url_patterns):
        resource = (getattr(entry.callback, "view_initkwargs", None) or {}).get("resource")
        if resource is None or not entry.name:
            continue
        kind = entry.name.rsplit("_", 1)[-1]
        views.setdefault(resource, {})[kind] = f"{ns}:{entry.name}" if ns else entry.name
    return sorted(((names["list"], names.get("detail"), resource) for resource, names in views.items()
                   if "list" in names), key=lambda r: r[0])


def model_of(viewset) -> type:
    queryset = getattr(viewset, "queryset", None)
    if queryset is not None:
        return queryset.model
    return viewset.serializer_class.Meta.model


def factory_for(model):
    """The factory of `model` in `tests/<app_label>/factories.py`, or None."""
    try:
        module = importlib.import_module(f"tests.{model._meta.app_label}.factories")
    except ModuleNotFoundError:
        return None
    for _name, candidate in inspect.getmembers(module, inspect.isclass):
        if (issubclass(candidate, factory.django.DjangoModelFactory) and not candidate._meta.abstract
                and candidate._meta.model is model):
            return candidate
    return None


API_ROUTES = api_list_routes()
COMPANY_ROUTES = [(url, cls) for url, cls in API_ROUTES if is_company_owned(model_of(cls))]
UI_RESOURCES = ui_resources()


def test_discovery_finds_the_core_routes():
    urls = [url for url, _cls in API_ROUTES]
    assert {"/api/v1/core/parties/", "/api/v1/core/events/", "/api/v1/core/notes/", "/api/v1/core/audit/",
            "/api/v1/core/companies/", "/api/v1/core/memberships/", "/api/v1/core/attachments/"} <= set(
        url for url, _cls in COMPANY_ROUTES)
    shared = sorted(set(urls) - {url for url, _cls in COMPANY_ROUTES})
    assert {"/api/v1/core/currencies/", "/api/v1/core/uoms/"} <= set(shared)
    for url, cls in API_ROUTES:
        if url in shared:
            assert not getattr(model_of(cls), "company_path", None), url
    assert {"core:party_list", "core:customer_list", "core:event_list", "core:membership_list"} <= {
        name for name, _detail, _resource in UI_RESOURCES}


def build_pair(model, company, other_company):
    """A row of each company, built with the app's factory of the company-owned `model`.

    A missing factory, or one that cannot build a row from `company` alone, fails the test: the 404 check
    of the detail would otherwise be dropped without anyone noticing.
    """
    row_factory = factory_for(model)
    if row_factory is None:
        pytest.fail(f"{model._meta.label} is company-owned and behind a route but tests.{model._meta.app_label}"
                    f".factories has no factory for it; add one (building its parents in the same company) so "
                    "the detail's 404 is checked")
    try:
        with transaction.atomic():
            return make_row(row_factory, company), make_row(row_factory, other_company)
    except (DatabaseError, TypeError, ValueError, AssertionError) as exc:
        pytest.fail(f"{row_factory.__module__}.{row_factory.__name__} cannot build a row from company alone "
                    f"({type(exc).__name__}: {str(exc).splitlines()[0]}); fix the factory so the detail's 404 "
                    "is checked")


def _rows_outside(model, ids, company) -> list:
    path = model.company_path
    return list(model._default_manager.filter(pk__in=ids).exclude(**{f"{path}__in": [company.pk]})
                .values_list("pk", flat=True))


@pytest.mark.parametrize(("url", "viewset"), COMPANY_ROUTES, ids=[url for url, _cls in COMPANY_ROUTES])
def test_api_list_and_detail_show_only_the_users_companies(url, viewset, company, other_company, make_user):
    model = model_of(viewset)
    mine, theirs = build_pair(model, company, other_company)
    client = token_client(make_user(company, "Admin"))
    response = client.get(url, {"page_size": 500})
    assert response.status_code == 200, response.content
    body = response.json()
    results = body["results"] if isinstance(body, dict) and "results" in body else body
    ids = [row["id"] for row in results]
    assert _rows_outside(model, ids, company) == [], f"{url} shows another company's rows"
    assert mine.pk != theirs.pk
    assert theirs.pk not in ids
    detail = client.get(f"{url}{theirs.pk}/")
    assert detail.status_code == 404, detail.content


@pytest.mark.parametrize(("list_name", "detail_name", "resource"), UI_RESOURCES,
                         ids=[name for name, _detail, _resource in UI_RESOURCES])
def test_ui_list_and_detail_show_only_the_active_company(list_name, detail_name, resource, client, company,
                                                         other_company, make_user):
    model = resource.model
    owned = is_company_owned(model)
    _mine, theirs = build_pair(model, company, other_company) if owned else (None, None)
    client.force_login(make_user(company, "Admin"))
    response = client.get(reverse(list_name), {"per_page": 500})
    assert response.status_code == 200
    shown = [row.record.pk for row in response.context["table"].page.object_list]
    if owned:
        assert _rows_outside(model, shown, company) == [], f"{list_name} shows another company's rows"
    if theirs is not None and detail_name:
        assert theirs.pk not in shown
        assert client.get(reverse(detail_name, args=[theirs.pk])).status_code == 404


# ---- API routes of one record outside the router (reports of a record, traces): discovered, each listed here ----
# route name → [(model label whose row fills the id, the other path arguments)]; QUERY: what a route needs besides
RECORD_API_ROUTES = {
    "mes-workcenter-oee": [("mes.workcenter", {})],
    "erp-trace": [("erp.salesorder", {"kind": "sales-order"}), ("scm.lot", {"kind": "lot"}),
                  ("mes.workorder", {"kind": "work-order"}), ("scm.purchaseorder", {"kind": "purchase-order"}),
                  ("erp.invoice", {"kind": "invoice"}), ("scm.shipment", {"kind": "shipment"})],
    "erp-recall": [("scm.lot", {})],
}
QUERY = {"mes-workcenter-oee": {"date_from": "2026-01-01", "date_to": "2026-01-31"}}


def record_api_routes() -> list[tuple[str, list[str]]]:
    """(route name, its path arguments) of every /api/v1/ route with arguments that is not a router viewset's."""
    found = []
    for route, _ns, entry in _walk(get_resolver().url_patterns):
        params = [p for p in re.findall(r"<(?:\w+:)?(\w+)>", route) if p != "format"]
        if _clean(route).startswith("/api/v1/") and params and not getattr(entry.callback, "actions", None):
            found.append((entry.name, params))
    return sorted(found)


def test_every_record_api_route_outside_the_router_is_checked():
    assert sorted(name for name, _params in record_api_routes()) == sorted(RECORD_API_ROUTES), (
        "add new API routes of one record to RECORD_API_ROUTES so another company's id is checked to answer 404")


@pytest.mark.parametrize(("name", "label", "extra"), [(name, label, extra) for name, cases in RECORD_API_ROUTES.items()
                                                      for label, extra in cases],
                         ids=[f"{name}-{label}" for name, cases in RECORD_API_ROUTES.items() for label, _ in cases])
def test_record_api_routes_answer_404_for_another_companys_record(name, label, extra, company, other_company,
                                                                  make_user):
    model = apps.get_model(label)
    mine, theirs = build_pair(model, company, other_company)
    params = dict(record_api_routes())[name]
    key = next(p for p in params if p not in extra)
    client = token_client(make_user(company, "Admin"))
    own = client.get(reverse(name, kwargs={**extra, key: mine.pk}), QUERY.get(name, {}))
    assert own.status_code == 200, own.content
    refused = client.get(reverse(name, kwargs={**extra, key: theirs.pk}), QUERY.get(name, {}))
    assert refused.status_code == 404, refused.content
