"""Every operation of the generated OpenAPI schema fuzzed with schemathesis (issue #9).

Each operation gets generated input, valid and invalid (NUL characters included), as the demo company's Admin
and as its Operator (role Production): no response may be a 5xx, and every response must be the one the schema
documents (status code, content type, body). Bounded so it runs in `make test`: a fixed seed, derandomized,
`EXAMPLES_PER_OPERATION` examples per operation and generation mode.

The demo data is seeded once per role; ids in paths and the foreign keys of bodies are pointed at demo rows so
requests reach the services (random ids would only ever meet 404s and "invalid pk"). Each request runs in a
savepoint that is rolled back, so every example sees the same data.
"""

import os
import time
from decimal import Decimal

import pytest
import schemathesis
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, models, transaction
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.core.models import Company, Event
from apps.core.outbox import dispatch
from apps.erp.models import SalesOrder
from apps.mes.api.views_quality import HeldStockViewSet
from apps.plm.models import Item
from apps.scm.models import Location, Lot
from apps.scm.services.purchasing import requisition_create
from tests.core.factories import AttachmentFactory, ExchangeRateFactory, NoteFactory
from tests.mes.factories import QualityCheckFactory
from tests.mixins import make_row
from tests.plm.factories import ChangeApprovalRuleFactory, DocumentFactory
from tests.scm.factories import CycleCountFactory, LotFactory, StockQuantFactory

pytestmark = [pytest.mark.fuzz, pytest.mark.xdist_group("fuzz")]

# deeper or other runs locally: FUZZ_EXAMPLES=50 FUZZ_SEED=7
SEED = int(os.environ.get("FUZZ_SEED", "20261130"))
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "5"))
CONFIG = {
    "seed": SEED,
    "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True, "mode": "all",
                   "allow-x00": True, "database": "none"},
    "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}, "stateful": {"enabled": False}},
}
CONFORMANCE_CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
HELD_STOCK: dict[str, int] = {}
STATS: dict = {"requests": 0, "operations": set()}


@pytest.fixture(autouse=True)
def _statistics(request):
    """Record how many operations and requests a test covered and how long it took (reported at the end of the
    run by `tests/conftest.py`, also from xdist workers)."""
    before, started = STATS["requests"], time.monotonic()
    STATS["operations"] = set()
    yield
    if STATS["requests"] > before:
        request.node.user_properties.append(("fuzz", (len(STATS["operations"]), STATS["requests"] - before,
                                                      time.monotonic() - started)))


@pytest.fixture(params=["admin", "operator"])
def fuzz_token(request, db):
    """The demo data, and the token of the demo company's Admin or Operator (role Production)."""
    for _round in range(3):  # the flows (a released revision → a manufacturing definition) feed the next round
        call_command("seed_demo", verbosity=0)
        for event_id in Event.objects.filter(deliveries__status="pending").values_list("pk", flat=True).distinct():
            dispatch(event_id)
    seed_rows_demo_lacks(Company.objects.get(code="DEMO"), User.objects.get(username="admin"))
    user = User.objects.get(username=request.param)
    return Token.objects.get_or_create(user=user)[0].key


@pytest.fixture
def _in_process_requests():
    """Requests run through Django's WSGI handler in the test's thread and transaction: keep its connection open
    (the handler closes connections at the end of a request, Django's test client does the same as this)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def seed_rows_demo_lacks(company: Company, admin: User) -> None:
    """One row of each resource the demo does not create, so every operation has an id to work on (held stock:
    a quant at the quality-hold location, the only quant that view shows)."""
    item = Item.objects.filter(company=company, tracking="none").order_by("pk").first()
    hold = Location.objects.filter(company=company, is_quality_hold=True).first()
    make_row(ExchangeRateFactory, company)
    make_row(LotFactory, company)
    make_row(DocumentFactory, company)
    make_row(ChangeApprovalRuleFactory, company, role=Group.objects.get(name="Quality"))
    make_row(CycleCountFactory, company)
    make_row(QualityCheckFactory, company)
    make_row(NoteFactory, company)
    make_row(AttachmentFactory, company)
    HELD_STOCK["id"] = make_row(StockQuantFactory, company, item=item, location=hold, on_hand=Decimal(5)).pk
    requisition_create(company=company, actor=admin, item=item, quantity=Decimal(3))


def demo_rows(model: type[models.Model]) -> models.QuerySet:
    rows = model._default_manager.order_by("pk")
    path = getattr(model, "company_path", None)
    return rows.filter(**{f"{path}__code": "DEMO"}) if path and path != "id" else rows


@pytest.fixture
def seeded_ids(fuzz_token) -> dict[str, int]:
    """The id of a demo row for every foreign-key name of the suite's models (`item`, `supplier`, ...)."""
    ids: dict[str, int] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("apps."):
            continue
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model is not None and field.name not in ids:
                pk = demo_rows(field.related_model).values_list("pk", flat=True).first()
                if pk is not None:
                    ids[field.name] = pk
    return ids


@pytest.fixture
def api_schema(fuzz_token, _in_process_requests):
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(raw, config=schemathesis.Config.from_dict(CONFIG))
    schema.app = WSGIHandler()
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


def path_id(path: str) -> int | None:
    """A demo row of the model the operation's `{id}` refers to."""
    try:
        match = resolve(path.replace("{id}", "1"))
    except Resolver404:
        return None
    view = getattr(match.func, "cls", None)
    if view is HeldStockViewSet:
        return HELD_STOCK["id"]
    queryset = getattr(view, "queryset", None)
    return None if queryset is None else demo_rows(queryset.model).values_list("pk", flat=True).first()


def demo_path_parameters(path: str) -> dict:
    """The path parameters of an operation, pointing at a demo row (the trace names the kind of its record)."""
    if "{kind}" in path:  # erp/trace/{kind}/{id}/: a demo sales order's chain
        return {"kind": "sales-order", "id": demo_rows(SalesOrder).values_list("pk", flat=True).first()}
    return {"id": path_id(path)} if "{id}" in path else {}


def point_at_demo_rows(value, ids: dict[str, int]):
    """Replace generated integers under foreign-key names with ids of demo rows (recursively)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ids and isinstance(item, int) and not isinstance(item, bool):
                value[key] = ids[key]
            elif key in ids and isinstance(item, list) and item and all(type(i) is int for i in item):
                value[key] = [ids[key]]
            else:
                point_at_demo_rows(item, ids)
    elif isinstance(value, list):
        for item in value:
            point_at_demo_rows(item, ids)
    return value


@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_no_server_error_and_documented_responses(case, fuzz_token, seeded_ids):
    if "id" in case.path_parameters and (seeded := path_id(case.operation.path)) is not None:
        case.path_parameters["id"] = seeded
    if isinstance(case.body, dict | list):
        point_at_demo_rows(case.body, seeded_ids)
    checks = [not_a_server_error, *CONFORMANCE_CHECKS]
    STATS["requests"] += 1
    STATS["operations"].add(case.operation.label)
    with transaction.atomic():
        case.call_and_validate(headers={"Authorization": f"Token {fuzz_token}"}, checks=checks)
        transaction.set_rollback(True)


def required_query(path: str, seeded_ids: dict[str, int]) -> dict:
    """The query parameters an operation requires, with demo values."""
    return {
        "/api/v1/mes/genealogy/": {"lot": Lot.objects.filter(company__code="DEMO").order_by("pk").first().code},
        "/api/v1/mes/work-centers/{id}/oee/": {"date_from": "2026-01-01", "date_to": "2026-01-31"},
        "/api/v1/plm/revisions/{id}/compare/": {"to": seeded_ids["revision"]},
        "/api/v1/scm/supplier-items/performance/": {"supplier": seeded_ids["supplier"]},
    }.get(path, {"page_size": 500} if "{" not in path else {})


def test_every_read_of_the_demo_data_matches_the_schema(api_schema, fuzz_token, seeded_ids):
    """Every GET, on demo rows and with every row of a list on one page: the body is exactly what the schema
    documents (nulls where nullable, arrays where arrays), not only for the rows fuzzing happens to meet."""
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.method != "get":
            continue
        case = operation.Case(path_parameters=demo_path_parameters(operation.path),
                              query=required_query(operation.path, seeded_ids))
        try:
            case.call_and_validate(headers={"Authorization": f"Token {fuzz_token}"},
                                   checks=[not_a_server_error, *CONFORMANCE_CHECKS])
        except Exception as exc:  # collect every operation's failure, not only the first
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)

