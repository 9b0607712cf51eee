"""The recall of a supplier lot (`apps.erp.traceability.recall`): every serial, work order, shipment and customer it
reached, on a page with a CSV/XLSX export and in the API; Quality, managers and admins may run it, others not, and
another company's lot answers 404."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
import tablib
import yaml
from django.conf import settings
from django.urls import reverse

from apps.erp.traceability.recall import EXPORT_COLUMNS, recall_lot
from tests.erp.trace_world import build_chain
from tests.mixins import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(company, user, make_user):
    return build_chain(company, user, make_user, units=2)


def test_the_recall_of_the_supplier_lot_lists_the_serials_work_order_shipment_and_customer(chain):
    result = recall_lot(lot=chain.steel_lot)
    assert result["lot"] == {"id": chain.steel_lot.pk, "lot": "HEAT-42", "item": "STEEL", "item_name": "Steel bar",
                             "is_serial": False}
    assert [(r["level"], r["lot"], r["is_serial"], r["quantity"], r["work_order"], r["work_order_id"],
             r["is_finished"]) for r in result["lots"]] == [
        (1, "PUMP-0001", True, Decimal("2.0000"), chain.work_order.number, chain.work_order.pk, True),
        (1, "PUMP-0002", True, Decimal("2.0000"), chain.work_order.number, chain.work_order.pk, True)]
    assert result["work_orders"] == [{"id": chain.work_order.pk, "number": chain.work_order.number}]
    assert sorted((s["shipment"], s["lot"], s["quantity"], s["sales_order"], s["sales_order_id"], s["customer"],
                   s["customer_id"]) for s in result["shipments"]) == [
        (chain.shipment.number, serial.code, Decimal("1.0000"), chain.sales_order.number, chain.sales_order.pk,
         "Water Works", chain.customer.pk) for serial in chain.serials]
    assert result["customers"] == [{"id": chain.customer.pk, "name": "Water Works", "shipments": 1}]
    assert [(r["receipt"], r["purchase_order"], r["supplier"], r["quantity"]) for r in result["receipts"]] == [
        (chain.receipt.number, chain.purchase_order.number, "Steel Mill", Decimal("100.0000"))]


def test_a_lot_that_went_nowhere_reaches_no_one(chain):
    result = recall_lot(lot=chain.held_lot)
    assert (result["lots"], result["shipments"], result["customers"], result["work_orders"]) == ([], [], [], [])


def test_the_recall_page_and_its_exports(chain, client, company, make_user):
    client.force_login(make_user(company, "Quality"))
    url = reverse("erp:recall_lot", args=[chain.steel_lot.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for link in (reverse("scm:shipment_detail", args=[chain.shipment.pk]),
                 reverse("core:party_detail", args=[chain.customer.pk]),
                 reverse("mes:workorder_detail", args=[chain.work_order.pk]),
                 reverse("scm:lot_detail", args=[chain.serials[1].pk]),
                 reverse("erp:salesorder_detail", args=[chain.sales_order.pk])):
        assert f'href="{link}"' in html, link

    exported = client.get(url, {"_export": "csv"})
    assert exported["Content-Type"].startswith("text/csv")
    assert exported["Content-Disposition"] == f'attachment; filename="recall-{chain.steel_lot.pk}.csv"'
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    day = chain.shipment.shipped_at.date().isoformat()
    expected = [EXPORT_COLUMNS] + [
        ["1", serial.code, "True", "PUMP", "Pump", "True", "2.0000", chain.work_order.number, chain.shipment.number,
         day, "1.0000", chain.sales_order.number, "Water Works"] for serial in chain.serials]
    assert rows == expected

    workbook = client.get(url, {"_export": "xlsx"})
    assert workbook["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = tablib.Dataset().load(workbook.content, format="xlsx")
    assert sheet.headers == EXPORT_COLUMNS
    numbers = {EXPORT_COLUMNS.index("quantity"), EXPORT_COLUMNS.index("shipped_quantity")}  # numbers in a sheet
    assert [[Decimal(str(v)) if i in numbers else str(v) for i, v in enumerate(row)] for row in sheet] == [
        [Decimal(v) if i in numbers else v for i, v in enumerate(row)] for row in expected[1:]]


def test_who_may_run_a_recall(chain, client, company, other_company, make_user):
    url = reverse("erp:recall_lot", args=[chain.steel_lot.pk])
    for role, status in (("Quality", 200), ("Manager", 200), ("Admin", 200), ("Sales", 403), ("Finance", 403),
                         ("Production", 403)):
        client.force_login(make_user(company, role))
        assert client.get(url).status_code == status, role
    client.force_login(make_user(other_company, "Admin"))
    assert client.get(url).status_code == 404
    assert client.get(url, {"_export": "csv"}).status_code == 404


def test_the_recall_entry_is_on_supplier_lots_only_and_for_whom_may_run_it(chain, client, company, make_user):
    recall = reverse("erp:recall_lot", args=[chain.steel_lot.pk])
    client.force_login(make_user(company, "Quality"))
    assert f'href="{recall}"' in client.get(reverse("scm:lot_detail", args=[chain.steel_lot.pk])).content.decode()
    serial_page = client.get(reverse("scm:lot_detail", args=[chain.serials[0].pk])).content.decode()
    assert 'data-testid="recall"' not in serial_page
    client.force_login(make_user(company, "Sales"))
    assert 'data-testid="recall"' not in client.get(reverse("scm:lot_detail", args=[
        chain.steel_lot.pk])).content.decode()


def test_the_recall_start_page_opens_the_chosen_lot_of_the_company_only(chain, client, company, other_company,
                                                                         make_user):
    client.force_login(make_user(company, "Quality"))
    assert client.get(reverse("erp:recall")).status_code == 200
    chosen = client.get(reverse("erp:recall"), {"lot": chain.steel_lot.pk})
    assert (chosen.status_code, chosen["Location"]) == (302, reverse("erp:recall_lot", args=[chain.steel_lot.pk]))
    client.force_login(make_user(other_company, "Quality"))
    refused = client.get(reverse("erp:recall"), {"lot": chain.steel_lot.pk})
    assert refused.status_code == 400
    assert "lot" in refused.context["form"].errors


def test_the_recall_api_answers_the_documented_body(chain, company, other_company, make_user):
    api = token_client(make_user(company, "Quality"))
    response = api.get(f"/api/v1/erp/recall/{chain.steel_lot.pk}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted(row["lot"] for row in body["lots"]) == ["PUMP-0001", "PUMP-0002"]
    assert body["customers"] == [{"id": chain.customer.pk, "name": "Water Works", "shipments": 1}]
    assert {s["shipment_id"] for s in body["shipments"]} == {chain.shipment.pk}
    assert body["lots"][0]["quantity"] == "2.0000"
    schema = yaml.safe_load((Path(settings.BASE_DIR) / "openapi.yaml").read_text())["components"]["schemas"]
    for component, rows in (("Recall", [body]), ("RecallLot", [body["lot"]]), ("RecallReceipt", body["receipts"]),
                            ("RecallReachedLot", body["lots"]), ("RecallShipment", body["shipments"]),
                            ("RecallCustomer", body["customers"]), ("RecallWorkOrder", body["work_orders"])):
        assert rows, component
        for row in rows:
            assert set(row) == set(schema[component]["properties"]), component
            assert set(schema[component]["required"]) <= set(row), component

    assert token_client(make_user(company, "Sales")).get(
        f"/api/v1/erp/recall/{chain.steel_lot.pk}/").status_code == 403
    refused = token_client(make_user(other_company, "Admin")).get(f"/api/v1/erp/recall/{chain.steel_lot.pk}/")
    assert refused.status_code == 404
    assert refused["Content-Type"].startswith("application/problem+json")
