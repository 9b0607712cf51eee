"""The trace of a record across the modules (`apps.erp.traceability.graph`): from a sales order, a serial, a supplier
lot, a work order, a purchase order, an invoice or a shipment it reaches every other record of the thread, with the
links between them, in a bounded number of queries; its page and API endpoint are the active company's only."""

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.services.companies import membership_set
from apps.erp.traceability.graph import trace_graph
from apps.mes.models import GenealogyLink
from apps.mes.services.workorders import work_order_complete, work_order_create, work_order_release
from apps.plm.choices import Tracking
from tests.erp.trace_world import DUE, build_chain
from tests.mes.factories import ManufacturingDefinitionFactory, ManufacturingDefinitionLineFactory
from tests.mixins import token_client
from tests.plm.factories import ItemFactory, RevisionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(company, user, make_user):
    return build_chain(company, user, make_user)


def keys(chain) -> dict[str, str]:
    """Every record of the thread by name → its node key."""
    return {
        "quote": f"quote:{chain.quote.pk}", "sales_order": f"sales_order:{chain.sales_order.pk}",
        "change_order": f"change_order:{chain.change_order.pk}", "revision": f"revision:{chain.revision.pk}",
        "work_order": f"work_order:{chain.work_order.pk}", "steel": f"lot:{chain.steel_lot.pk}",
        "serial": f"lot:{chain.serials[0].pk}", "receipt": f"receipt:{chain.receipt.pk}",
        "purchase_order": f"purchase_order:{chain.purchase_order.pk}", "supplier": f"supplier:{chain.supplier.pk}",
        "shipment": f"shipment:{chain.shipment.pk}", "customer": f"customer:{chain.customer.pk}",
        "invoice": f"invoice:{chain.invoice.pk}", "payment": f"payment:{chain.payment.pk}",
        "nonconformance": f"nonconformance:{chain.nonconformance.pk}",
    }


def starts(chain) -> list[tuple[str, object]]:
    return [("sales_order", chain.sales_order), ("lot", chain.serials[0]), ("lot", chain.steel_lot),
            ("work_order", chain.work_order), ("purchase_order", chain.purchase_order), ("invoice", chain.invoice),
            ("shipment", chain.shipment)]


def test_the_trace_from_each_kind_reaches_every_other_record_of_the_thread(chain):
    expected = keys(chain)
    for kind, record in starts(chain):
        trace = trace_graph(record=record, kind=kind)
        found = {node["key"] for node in trace.nodes}
        missing = {name for name, key in expected.items() if key not in found}
        assert missing == set(), f"the trace of {kind} {record} misses {missing}"
        assert trace.root == f"{kind}:{record.pk}"
        assert [node["key"] for node in trace.nodes if node["is_root"]] == [trace.root]
        assert not trace.truncated


def test_the_sales_order_trace_links_the_thread_from_supplier_to_payment(chain):
    k = keys(chain)
    trace = trace_graph(record=chain.sales_order, kind="sales_order")
    edges = {(e["from"], e["relation"], e["to"]) for e in trace.edges}
    assert edges == {
        (k["supplier"], "supplies", k["purchase_order"]),
        (k["purchase_order"], "received on", k["receipt"]),
        (k["receipt"], "received as", k["steel"]),
        (k["steel"], "non-conformance", k["nonconformance"]),
        (k["steel"], "consumed by", k["work_order"]),
        (k["change_order"], "released by", k["revision"]),
        (k["revision"], "built to", k["work_order"]),
        (k["work_order"], "produced", k["serial"]),
        (k["serial"], "shipped in", k["shipment"]),
        (k["shipment"], "delivers", k["sales_order"]),
        (k["shipment"], "delivered to", k["customer"]),
        (k["shipment"], "invoiced as", k["invoice"]),
        (k["quote"], "ordered as", k["sales_order"]),
        (k["quote"], "quoted to", k["customer"]),
        (k["sales_order"], "ordered by", k["customer"]),
        (k["sales_order"], "invoiced as", k["invoice"]),
        (k["invoice"], "billed to", k["customer"]),
        (k["invoice"], "paid by", k["payment"]),
    }
    nodes = {node["key"]: node for node in trace.nodes}
    assert len(nodes) == len(k)  # the lot on hold was received on the same order but is not in this chain
    assert (nodes[k["serial"]]["label"], nodes[k["serial"]]["flags"]) == (chain.serials[0].code, ["serial"])
    assert (nodes[k["invoice"]]["status"], nodes[k["payment"]]["status"]) == ("paid", "posted")
    assert nodes[k["sales_order"]]["url"] == reverse("erp:salesorder_detail", args=[chain.sales_order.pk])
    assert nodes[k["steel"]]["api_url"] == f"/api/v1/scm/lots/{chain.steel_lot.pk}/"
    assert nodes[k["revision"]]["label"] == "PUMP rev. A"


def test_the_purchase_order_trace_shows_the_lot_on_quality_hold(chain):
    trace = trace_graph(record=chain.purchase_order, kind="purchase_order")
    nodes = {node["key"]: node for node in trace.nodes}
    assert nodes[f"lot:{chain.held_lot.pk}"]["flags"] == ["quality_hold"]
    assert nodes[f"lot:{chain.steel_lot.pk}"]["flags"] == []
    # the held lot went nowhere: no edge leaves it
    assert [e for e in trace.edges if e["from"] == f"lot:{chain.held_lot.pk}"] == []


def test_the_number_of_queries_does_not_grow_with_the_number_of_serials(company, other_company, user, make_user):
    one = build_chain(company, user, make_user)
    other_user = make_user(other_company, "Admin")
    three = build_chain(other_company, other_user, make_user, units=3)
    assert len(three.serials) == 3
    counts = []
    for chain in (one, three):
        with CaptureQueriesContext(connection) as queries:
            trace = trace_graph(record=chain.sales_order, kind="sales_order")
        counts.append(len(queries))
        assert {f"lot:{serial.pk}" for serial in chain.serials} <= {node["key"] for node in trace.nodes}
    assert counts[0] == counts[1], counts
    assert counts[0] <= 60, counts


def test_a_role_without_the_view_permission_of_a_kind_does_not_see_those_records(chain, company, make_user):
    role = Group.objects.create(name="Sales orders and invoices only (test)")
    role.permissions.set(Permission.objects.filter(content_type__app_label="erp",
                                                   codename__in=["view_salesorder", "view_invoice"]))
    viewer = make_user(company, "Sales")
    membership_set(company=company, user=viewer, role=role, actor=None)
    viewer = User.objects.get(pk=viewer.pk)
    trace = trace_graph(record=chain.sales_order, kind="sales_order", user=viewer)
    assert {node["kind"] for node in trace.nodes} == {"sales_order", "invoice"}
    assert [(e["from"], e["to"]) for e in trace.edges] == [(f"sales_order:{chain.sales_order.pk}",
                                                             f"invoice:{chain.invoice.pk}")]


# ---- the page and the API ----------------------------------------------------------------------------------------
TRACE_PAGES = {"sales_order": "erp:trace_salesorder", "lot": "erp:trace_lot", "work_order": "erp:trace_workorder",
               "purchase_order": "erp:trace_purchaseorder", "invoice": "erp:trace_invoice",
               "shipment": "erp:trace_shipment"}


def test_the_trace_page_links_every_record_and_another_companys_id_is_404(chain, client, company, other_company,
                                                                          make_user):
    client.force_login(make_user(company, "Production"))
    page = client.get(reverse("erp:trace_salesorder", args=[chain.sales_order.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for url in (reverse("scm:lot_detail", args=[chain.steel_lot.pk]), reverse("crm:quote_detail", args=[
            chain.quote.pk]), reverse("plm:changeorder_detail", args=[chain.change_order.pk]),
            reverse("erp:payment_detail", args=[chain.payment.pk]),
            reverse("mes:nonconformance_detail", args=[chain.nonconformance.pk]),
            reverse("erp:trace_lot", args=[chain.serials[0].pk])):
        assert f'href="{url}"' in html, url
    client.force_login(make_user(other_company, "Admin"))
    for kind, record in starts(chain):
        assert client.get(reverse(TRACE_PAGES[kind], args=[record.pk])).status_code == 404


def test_the_trace_search_opens_the_only_match_and_lists_several(chain, client, company, make_user):
    client.force_login(make_user(company, "Sales"))
    response = client.get(reverse("erp:trace"), {"q": chain.serials[0].code})
    assert response.status_code == 302
    assert response["Location"] == reverse("erp:trace_lot", args=[chain.serials[0].pk])
    listed = client.get(reverse("erp:trace"), {"q": "HEAT-4"})
    assert listed.status_code == 200
    assert [row["label"] for row in listed.context["results"]] == ["HEAT-43", "HEAT-42"]
    assert client.get(reverse("erp:trace"), {"q": "NOPE"}).context["results"] == []


def test_detail_pages_have_the_trace_button(chain, client, company, make_user):
    client.force_login(make_user(company, "Admin"))
    pages = [(reverse("erp:salesorder_detail", args=[chain.sales_order.pk]), "erp:trace_salesorder",
              chain.sales_order), (reverse("erp:invoice_detail", args=[chain.invoice.pk]), "erp:trace_invoice",
                                   chain.invoice),
             (reverse("mes:workorder_detail", args=[chain.work_order.pk]), "erp:trace_workorder", chain.work_order),
             (reverse("scm:purchaseorder_detail", args=[chain.purchase_order.pk]), "erp:trace_purchaseorder",
              chain.purchase_order),
             (reverse("scm:shipment_detail", args=[chain.shipment.pk]), "erp:trace_shipment", chain.shipment),
             (reverse("scm:lot_detail", args=[chain.serials[0].pk]), "erp:trace_lot", chain.serials[0])]
    for url, name, record in pages:
        html = client.get(url).content.decode()
        assert f'href="{reverse(name, args=[record.pk])}"' in html, url


def test_the_api_answers_the_documented_graph_and_404_for_another_company(chain, company, other_company,
                                                                          make_user):
    api = token_client(make_user(company, "Finance"))
    response = api.get(f"/api/v1/erp/trace/sales-order/{chain.sales_order.pk}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["root"] == f"sales_order:{chain.sales_order.pk}"
    assert {node["key"] for node in body["nodes"]} == set(keys(chain).values())
    assert {"from": f"invoice:{chain.invoice.pk}", "to": f"payment:{chain.payment.pk}",
            "relation": "paid by"} in body["edges"]

    schema = yaml.safe_load((Path(settings.BASE_DIR) / "openapi.yaml").read_text())["components"]["schemas"]
    for component, rows in (("Trace", [body]), ("TraceNode", body["nodes"]), ("TraceEdge", body["edges"])):
        documented = schema[component]
        for row in rows:
            assert set(row) == set(documented["properties"]), component
            assert set(documented["required"]) <= set(row), component
    parameters = yaml.safe_load((Path(settings.BASE_DIR) / "openapi.yaml").read_text())["paths"][
        "/api/v1/erp/trace/{kind}/{id}/"]["get"]["parameters"]
    kind = next(p for p in parameters if p["name"] == "kind")
    assert sorted(kind["schema"]["enum"]) == ["invoice", "lot", "purchase-order", "sales-order", "shipment",
                                              "work-order"]

    for kind, record in starts(chain):
        slug = {"sales_order": "sales-order", "work_order": "work-order",
                "purchase_order": "purchase-order"}.get(kind, kind)
        assert api.get(f"/api/v1/erp/trace/{slug}/{record.pk}/").status_code == 200
        other = token_client(make_user(other_company, "Admin"))
        refused = other.get(f"/api/v1/erp/trace/{slug}/{record.pk}/")
        assert refused.status_code == 404
        assert refused["Content-Type"].startswith("application/problem+json")
    unknown = api.get(f"/api/v1/erp/trace/quote/{chain.quote.pk}/")
    assert unknown.status_code == 404
    assert unknown["Content-Type"].startswith("application/problem+json")


def test_a_work_order_of_an_untracked_product_is_traced_through_its_consumption(chain, company, user):
    """No genealogy link (the bracket has no lot): the steel's consumption move still ties it to the order."""
    bracket = ItemFactory(made=True, company=company, number="BRACKET", tracking=Tracking.NONE)
    revision = RevisionFactory(released=True, company=company, item=bracket)
    definition = ManufacturingDefinitionFactory(company=company, revision=revision, item=bracket)
    ManufacturingDefinitionLineFactory(definition=definition, component=chain.steel_lot.item, quantity=Decimal(1))
    stock = chain.receipt.lines.get(lot_code="HEAT-42").location
    order = work_order_create(company=company, actor=user, item=bracket, revision=revision, quantity=Decimal(3),
                              due_date=DUE, location=stock)
    work_order_release(work_order=order, actor=user)
    work_order_complete(work_order=order, quantity_good=Decimal(3), actor=user)
    assert not GenealogyLink.objects.filter(work_order=order).exists()

    down = trace_graph(record=chain.steel_lot, kind="lot")
    assert {"from": f"lot:{chain.steel_lot.pk}", "to": f"work_order:{order.pk}", "relation": "consumed by"} in (
        down.edges)
    up = trace_graph(record=order, kind="work_order")
    assert {f"lot:{chain.steel_lot.pk}", f"receipt:{chain.receipt.pk}", f"supplier:{chain.supplier.pk}"} <= {
        node["key"] for node in up.nodes}
    # the bracket's order is not in the chain of the pump's sales order
    assert f"work_order:{order.pk}" not in {node["key"] for node in trace_graph(
        record=chain.sales_order, kind="sales_order").nodes}


def test_a_work_order_is_made_for_the_sales_orders_its_planned_order_is_pegged_to(company, other_company):
    """MRP's pegging (arrays on the planned order) links a work order released from a planned order to the sales
    orders it covers, both ways; a peg to another demand, or another company's order, links nothing."""
    from apps.erp.models import PegKind
    from apps.erp.traceability.graph import _down, _up
    from tests.erp.factories import PlannedOrderFactory, SalesOrderFactory, SalesOrderLineFactory
    from tests.mes.factories import WorkOrderFactory

    line = SalesOrderLineFactory(order=SalesOrderFactory(company=company))
    other_line = SalesOrderLineFactory(order=SalesOrderFactory(company=company))
    work_order = WorkOrderFactory(company=company)
    PlannedOrderFactory(company=company, work_order=work_order, quantity=Decimal(5),
                        peg_kinds=[PegKind.SALES_ORDER, PegKind.WORK_ORDER, PegKind.SAFETY_STOCK],
                        peg_quantities=[Decimal(2), Decimal(2), Decimal(1)], peg_due_dates=[DUE, DUE, DUE],
                        peg_documents=[line.pk, other_line.pk, None])  # other_line's id as a work order: no link
    made_for = (("work_order", work_order.pk), ("sales_order", line.order_id), "made for")
    assert [edge for edge in _down(company.pk, "work_order", [work_order.pk]) if edge[2] == "made for"] == [made_for]
    assert [edge for edge in _up(company.pk, "sales_order", [line.order_id, other_line.order_id])
            if edge[2] == "made for"] == [made_for]
    assert [edge for edge in _up(other_company.pk, "sales_order", [line.order_id]) if edge[2] == "made for"] == []
