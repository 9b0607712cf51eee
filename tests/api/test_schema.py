"""The committed OpenAPI schema tells the truth (issue #9): response shapes as returned, nullable where null,
the problem+json errors of every operation, one request body type, an anonymous token endpoint, idempotency
headers, PDFs that answer `Accept: application/pdf`; and every API serializer and FilterSet has the input
limits (so a new module cannot forget them)."""

import importlib
import pkgutil
from pathlib import Path

import django_filters
import pytest
import yaml
from django.conf import settings
from rest_framework import serializers

import apps
from apps.core.api.fields import HardenedFieldsMixin
from apps.core.api.filtersets import SuiteFilterSet
from tests.scm.factories import purchasing_world

SCHEMA = yaml.safe_load((Path(settings.BASE_DIR) / "openapi.yaml").read_text())
OPERATIONS = [(path, method, operation) for path, item in SCHEMA["paths"].items()
              for method, operation in item.items()]
COMPONENTS = SCHEMA["components"]["schemas"]
LIST_ACTIONS = {
    "/api/v1/plm/items/{id}/explode/": "ExplosionRow",
    "/api/v1/plm/items/{id}/where-used/": "WhereUsedRow",
    "/api/v1/plm/items/{id}/bom-summary/": "BomSummaryRow",
    "/api/v1/plm/change-orders/{id}/impact/": "Impact",
}
PROBLEM_STATUSES = {"400", "401", "403", "404", "409", "422"}


def resolve(node: dict) -> dict:
    """Follow a `$ref` into the schema (one level)."""
    if "$ref" not in node:
        return node
    section, kind, name = node["$ref"].removeprefix("#/").split("/")
    return SCHEMA[section][kind][name]


def is_upload(body_schema: dict) -> bool:
    properties = resolve(body_schema).get("properties", {})
    return any(prop.get("format") == "binary" for prop in properties.values())


@pytest.mark.parametrize(("path", "row"), LIST_ACTIONS.items())
def test_list_shaped_actions_are_documented_as_arrays_without_pagination_or_filters(path, row):
    operation = SCHEMA["paths"][path]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"type": "array", "items": {"$ref": f"#/components/schemas/{row}"}}
    names = {parameter["name"] for parameter in operation.get("parameters", [])}
    assert names <= {"id", "quantity"}
    assert not any(name.startswith("Paginated") and row in name for name in COMPONENTS)


def test_token_endpoint_is_anonymous_and_takes_json():
    operation = SCHEMA["paths"]["/api/v1/auth/token/"]["post"]
    assert operation.get("security", []) == []
    assert list(operation["requestBody"]["content"]) == ["application/json"]
    assert resolve(operation["responses"]["200"]["content"]["application/json"]["schema"])["required"] == ["token"]


def test_token_endpoint_works_without_credentials(client, user):
    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": "pw-secret-123"},
                           content_type="application/json")
    assert response.status_code == 200
    assert len(response.json()["token"]) == 40
    refused = client.post("/api/v1/auth/token/", "username=alice&password=pw-secret-123",
                          content_type="application/x-www-form-urlencoded")
    assert refused.status_code == 415


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS,
                         ids=[f"{method.upper()} {path}" for path, method, _ in OPERATIONS])
def test_every_operation_documents_its_problem_responses(path, method, operation):
    responses = operation["responses"]
    assert PROBLEM_STATUSES <= set(responses)
    if "requestBody" in operation:
        assert "413" in responses
    for status in PROBLEM_STATUSES:
        content = resolve(responses[status])["content"]
        assert content == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_the_problem_component_is_rfc_9457_with_named_errors():
    problem = COMPONENTS["Problem"]
    assert problem["required"] == ["type", "title", "status", "detail", "errors"]
    assert problem["additionalProperties"] is True  # extra members, e.g. `available` of a 409
    item = problem["properties"]["errors"]["items"]
    assert item["required"] == ["attr", "code", "detail"]
    assert item["properties"]["attr"]["nullable"] is True


@pytest.mark.parametrize(("path", "method", "operation"), [op for op in OPERATIONS if "requestBody" in op[2]],
                         ids=[f"{m.upper()} {p}" for p, m, o in OPERATIONS if "requestBody" in o])
def test_every_body_has_one_type_json_unless_it_uploads_a_file(path, method, operation):
    content = operation["requestBody"]["content"]
    assert len(content) == 1, list(content)
    media_type, body = next(iter(content.items()))
    assert media_type == ("multipart/form-data" if is_upload(body["schema"]) else "application/json")


def test_put_bodies_are_json_except_the_document_upload():
    put_types = {path: list(item["put"]["requestBody"]["content"]) for path, item in SCHEMA["paths"].items()
                 if "put" in item}
    assert put_types.pop("/api/v1/plm/documents/{id}/") == ["multipart/form-data"]
    assert len(put_types) >= 28  # every writable resource (more as modules land)
    assert all(types == ["application/json"] for types in put_types.values())


def test_posts_document_the_idempotency_headers():
    for path, method, operation in OPERATIONS:
        if method != "post" or path == "/api/v1/auth/token/":
            continue
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert "Idempotency-Key" in headers, path
        success = next(body for status, body in operation["responses"].items() if status.startswith("2"))
        assert success["headers"]["Idempotent-Replayed"]["schema"] == {"type": "string", "enum": ["true"]}, path


@pytest.mark.parametrize(("component", "field"), [
    ("Item", "current_revision_code"), ("AuditRecord", "actor"), ("ShipmentAllocation", "lot_code"),
    ("GoodsReceiptLine", "stock_move"), ("PurchaseRequisition", "purchase_order"), ("Item", "category"),
])
def test_fields_that_can_be_null_are_nullable(component, field):
    assert COMPONENTS[component]["properties"][field]["nullable"] is True


def test_list_parameters_state_their_limits():
    parameters = {p["name"]: p for p in SCHEMA["paths"]["/api/v1/core/parties/"]["get"]["parameters"]}
    assert parameters["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 500}
    assert parameters["page"]["schema"] == {"type": "integer", "minimum": 1}
    assert parameters["ordering"]["schema"]["pattern"].startswith("^-?(?:number|name|created_at|updated_at)")


def test_numbers_that_cannot_be_negative_say_so():
    line = COMPONENTS["PurchaseOrderLineRequest"]["properties"]
    assert line["unit_price"]["pattern"] == r"^\d{0,14}(?:\.\d{0,4})?$"
    assert line["quantity"]["pattern"] == r"^\d{0,14}(?:\.\d{0,4})?$"


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "accept"), [("pdf", "application/pdf"), ("pdf", "*/*"),
                                                ("delivery-note", "application/pdf")])
def test_pdf_endpoints_answer_accept_application_pdf(api, company, action, accept):
    world = purchasing_world(company)
    if action == "pdf":
        created = api.post("/api/v1/scm/purchase-orders/", {"supplier": world.supplier.pk, "lines": [
            {"item": world.item.pk, "quantity": "10"}]}, format="json").json()
        template = "/api/v1/scm/purchase-orders/{id}/pdf/"
    else:
        created = api.post("/api/v1/scm/shipments/", {"customer": world.customer.pk, "warehouse": world.warehouse.pk,
                                                     "lines": [{"item": world.item.pk, "quantity": "1"}]},
                           format="json").json()
        template = "/api/v1/scm/shipments/{id}/delivery-note/"
    response = api.get(template.format(id=created["id"]), HTTP_ACCEPT=accept)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    documented = SCHEMA["paths"][template]["get"]["responses"]["200"]["content"]
    assert documented == {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}


@pytest.mark.django_db
def test_pdf_endpoint_errors_are_still_problem_json(api):
    response = api.get("/api/v1/scm/purchase-orders/0/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


# ---- every API serializer and FilterSet has the input limits ---------------------------------------------------

def api_modules():
    for module in pkgutil.walk_packages(apps.__path__, "apps."):
        if ".api." in module.name or module.name.endswith(".api"):
            yield importlib.import_module(module.name)


def defined_in_api(base: type) -> list[type]:
    modules = {module.__name__ for module in api_modules()}
    found, pending = [], [base]
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__ in modules and not cls.__name__.endswith("Mixin"):
            found.append(cls)
    return found


def test_every_api_serializer_has_the_input_limits():
    unhardened = [f"{cls.__module__}.{cls.__name__}" for cls in defined_in_api(serializers.BaseSerializer)
                  if not issubclass(cls, HardenedFieldsMixin)]
    assert unhardened == []


def test_every_api_filterset_is_a_suite_filterset():
    filtersets = defined_in_api(django_filters.FilterSet)
    assert len(filtersets) >= 20
    assert [cls.__name__ for cls in filtersets if not issubclass(cls, SuiteFilterSet)] == []
