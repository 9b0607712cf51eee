"""The office workspace (issue #10): the sidebar per role and company, breadcrumbs, the home page's queues, KPIs
and charts, and the global search."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.home import list_count
from apps.core.search import MAX_QUERY, clean_query
from apps.mes.choices import WorkOrderStatus
from apps.scm.choices import PurchaseOrderStatus
from tests.core.factories import PartyFactory
from tests.mes.factories import NonConformanceFactory, WorkOrderFactory
from tests.mixins import add_membership, switch_company
from tests.plm.factories import ChangeOrderFactory, ItemFactory
from tests.scm.factories import PurchaseOrderFactory, PurchaseOrderLineFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)
TOMORROW = TODAY + datetime.timedelta(days=1)


def login(client, user):
    client.force_login(user)
    return client


def menu_labels(response) -> dict[str, list[str]]:
    return {module.name: [e.label for e in module.entries] for module in response.context["menu"]}


def queues(response) -> dict[str, int]:
    return {q["tile"].label: q["count"] for s in response.context["sections"] for q in s["queues"]}


def queue_urls(response) -> dict[str, str]:
    return {q["tile"].label: q["url"] for s in response.context["sections"] for q in s["queues"]}


# ---- navigation ------------------------------------------------------------------------------------------------

def test_operator_sees_no_purchase_orders_in_the_sidebar(client, company, make_user):
    response = login(client, make_user(company, "Production")).get(reverse("home"))
    labels = menu_labels(response)
    assert "Work orders" in labels["MES"]
    assert "Purchase orders" in labels["SCM"]  # reading is every role's; the buyer's queues are not
    assert "Purchase orders to approve or send" not in queues(response)


def test_sidebar_follows_the_role_in_the_active_company(client, company, other_company, make_user):
    user = make_user(company, "Sales")
    add_membership(user, other_company, "Engineering")
    login(client, user)
    switch_company(client, company)
    assert "Import items" not in menu_labels(client.get(reverse("home"))).get("PLM", [])
    switch_company(client, other_company)
    assert "Import items" in menu_labels(client.get(reverse("home")))["PLM"]


def test_sidebar_sections_collapse_and_the_current_module_is_open(web):
    page = web.get(reverse("plm:item_list")).content.decode()
    assert 'data-bs-target="#nav-plm" aria-expanded="true"' in page
    assert 'class="nav flex-column collapse show" id="nav-plm"' in page
    assert 'class="nav flex-column collapse" id="nav-scm"' in page
    assert 'aria-current="page">Items</a>' in page
    assert 'class="offcanvas-lg offcanvas-start' in page  # a menu button below 992 px, not 1,650 px of links
    assert '<a class="visually-hidden-focusable skip-link" href="#main">Skip to content</a>' in page


def test_breadcrumbs_run_from_home_to_the_step(web, company):
    item = ItemFactory(company=company, number="BRK-1", name="Bracket")
    detail = web.get(reverse("plm:item_detail", args=[item.pk]))
    assert detail.context["breadcrumbs"] == [("Home", "/"), ("PLM", "/#module-plm"),
                                             ("Items", reverse("plm:item_list")), ("BRK-1 Bracket", None)]
    edit = web.get(reverse("plm:item_update", args=[item.pk]))
    assert edit.context["breadcrumbs"][-2:] == [("BRK-1 Bracket", reverse("plm:item_detail", args=[item.pk])),
                                                ("Edit", None)]
    assert web.get(reverse("plm:item_create")).context["breadcrumbs"][-1] == ("New item", None)
    custom = web.get(reverse("plm:bom_compare")).content.decode()  # a page of its own: home > module > title
    assert '<li class="breadcrumb-item"><a href="/#module-plm">PLM</a></li>' in custom
    assert '<li class="breadcrumb-item active" aria-current="page">Compare BOMs</li>' in custom


# ---- home: queues ----------------------------------------------------------------------------------------------

@pytest.fixture
def orders(company, other_company):
    """Purchase orders in several states in two companies."""
    for status in (PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.APPROVED):
        PurchaseOrderFactory(company=company, status=status)
    late = PurchaseOrderFactory(company=company, status=PurchaseOrderStatus.SENT)
    PurchaseOrderLineFactory(purchase_order=late, due_date=YESTERDAY)
    PurchaseOrderLineFactory(purchase_order=late, due_date=TODAY)  # two lines due: the order counts once
    received = PurchaseOrderFactory(company=company, status=PurchaseOrderStatus.PARTIALLY_RECEIVED)
    PurchaseOrderLineFactory(purchase_order=received, due_date=YESTERDAY, quantity=Decimal(5),
                             quantity_received=Decimal(5))  # fully received: not due any more
    later = PurchaseOrderFactory(company=company, status=PurchaseOrderStatus.SENT)
    PurchaseOrderLineFactory(purchase_order=later, due_date=TOMORROW)
    for _ in range(3):
        PurchaseOrderFactory(company=other_company, status=PurchaseOrderStatus.DRAFT)
    theirs = PurchaseOrderFactory(company=other_company, status=PurchaseOrderStatus.SENT)
    PurchaseOrderLineFactory(purchase_order=theirs, due_date=YESTERDAY)
    return late


@pytest.fixture
def work_orders(company, other_company):
    """Work orders due yesterday, today and later, in several states, in two companies."""
    W = WorkOrderStatus
    for status, due in ((W.RELEASED, YESTERDAY), (W.IN_PROGRESS, YESTERDAY), (W.IN_PROGRESS, TODAY),
                        (W.COMPLETED, YESTERDAY), (W.DRAFT, YESTERDAY), (W.RELEASED, TOMORROW)):
        WorkOrderFactory(company=company, status=status, due_date=due)
    WorkOrderFactory(company=other_company, status=W.RELEASED, due_date=YESTERDAY)
    NonConformanceFactory(company=company)
    NonConformanceFactory(company=company, status="dispositioned", disposition="scrap")
    NonConformanceFactory(company=other_company)


def test_buyer_queues_count_the_active_companys_orders_exactly(client, company, make_user, orders):
    response = login(client, make_user(company, "Purchasing")).get(reverse("home"))
    counts = queues(response)
    assert counts["Purchase orders to approve or send"] == 2
    assert counts["Approved purchase orders to send"] == 1
    assert counts["Deliveries due by today"] == 1
    assert counts["Open requisitions"] == 0
    assert "Late work orders" not in counts  # not a buyer's queue
    assert "Change orders waiting for my approval" not in counts


def test_a_queue_links_to_its_list_showing_exactly_its_rows(client, company, make_user, orders):
    login(client, make_user(company, "Purchasing"))
    response = client.get(reverse("home"))
    url = queue_urls(response)["Deliveries due by today"]
    assert url == (f"{reverse('scm:purchaseorder_list')}?status__in=sent%2Cpartially_received&due_by="
                   f"{TODAY.isoformat()}")
    listed = client.get(url)
    assert [row.record.pk for row in listed.context["table"].page.object_list] == [orders.pk]
    for label, link in queue_urls(response).items():
        listed = client.get(link)
        if "table" in listed.context:  # a Resource list (incoming inspection is a page of its own)
            assert listed.context["table"].paginator.count == queues(response)[label], label


def test_production_queues_late_and_due_work_orders(client, company, make_user, work_orders):
    response = login(client, make_user(company, "Production")).get(reverse("home"))
    counts = queues(response)
    assert counts["Late work orders"] == 2  # released and in progress due yesterday; not completed, not draft
    assert counts["Work orders due today"] == 1
    assert counts["Work orders to release"] == 1
    assert counts["Open non-conformances"] == 1
    assert counts["Stock waiting for incoming inspection"] == 0
    assert "Purchase orders to approve or send" not in counts
    assert response.context["open_work"] == sum(counts.values())


def test_queues_follow_the_active_company(client, company, other_company, make_user, orders, work_orders):
    user = make_user(company, "Sales")
    add_membership(user, other_company, "Admin")
    login(client, user)
    switch_company(client, company)
    counts = queues(client.get(reverse("home")))
    assert "Purchase orders to approve or send" not in counts  # Sales changes no purchase orders here
    switch_company(client, other_company)
    counts = queues(client.get(reverse("home")))
    assert counts["Purchase orders to approve or send"] == 3
    assert counts["Deliveries due by today"] == 1
    assert counts["Late work orders"] == 1
    assert counts["Open non-conformances"] == 1
    assert counts["Dead deliveries"] == 0


def test_engineer_sees_ecos_waiting_for_their_approval(client, company, other_company, make_user):
    from apps.plm.services.changes import change_order_approve

    waiting = ChangeOrderFactory(company=company, status="submitted")
    approved_by_me = ChangeOrderFactory(company=company, status="submitted")
    ChangeOrderFactory(company=company, status="draft")
    ChangeOrderFactory(company=other_company, status="submitted")
    engineer = make_user(company, "Engineering")
    change_order_approve(change_order=approved_by_me, actor=engineer)  # Quality's approval is still missing
    response = login(client, engineer).get(reverse("home"))
    assert queues(response)["Change orders waiting for my approval"] == 1
    assert queues(response)["Draft change orders"] == 1
    listing = client.get(reverse("plm:changeorder_list"), {"awaiting_me": "true"})
    assert [row.record for row in listing.context["table"].page.object_list] == [waiting]
    storekeeper = login(client, make_user(company, "Warehouse")).get(reverse("home"))
    assert "Change orders waiting for my approval" not in queues(storekeeper)
    assert "Receipts to post" in queues(storekeeper)


def test_home_has_kpis_and_chart_data_per_module(web, company, work_orders):
    response = web.get(reverse("home"))
    sections = {s["module"]: s for s in response.context["sections"]}
    # MES has work waiting (the late work orders): first; then the modules with queues, in sidebar order
    assert list(sections) == ["MES", "PLM", "SCM", "ERP", "Flows"]
    assert sections["MES"]["open_work"] > 0
    assert [sections[m]["open_work"] for m in ("PLM", "SCM", "ERP")] == [0, 0, 0]
    charts = {c["tile"].label: c for s in sections.values() for c in s["charts"]}
    assert set(charts) == {"ECO cycle time", "Items by lifecycle state", "Purchase spend by month",
                           "Stock value by category", "Work orders completed per day", "OEE trend",
                           "Revenue by month"}
    assert len(charts["Purchase spend by month"]["data"]["labels"]) == 12
    assert charts["OEE trend"]["data"]["unit"] == "%"
    revenue = charts["Revenue by month"]["data"]
    assert (len(revenue["labels"]), len(revenue["links"]), revenue["unit"]) == (12, 12, company.currency.code)
    page = response.content.decode()
    assert page.count("<canvas data-chart=") == 7
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in page
    kpis = {k["tile"].label: k["value"] for s in sections.values() for k in s["kpis"]}
    assert kpis["Work orders in progress"] == "2"


def test_home_queries_do_not_grow_with_the_rows(web, company):
    def run() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert web.get(reverse("home")).status_code == 200
        return len(queries)

    WorkOrderFactory(company=company, status=WorkOrderStatus.RELEASED, due_date=YESTERDAY)
    PurchaseOrderFactory(company=company)
    few = run()
    for _ in range(10):
        WorkOrderFactory(company=company, status=WorkOrderStatus.RELEASED, due_date=YESTERDAY)
        PurchaseOrderFactory(company=company)
    assert run() == few


def test_list_count_is_the_lists_own_count(rf, company, user, orders):
    request = rf.get("/")
    request.user, request.company_id = user, company.pk
    assert list_count("scm:purchaseorder_list", {"status": "draft"}, request) == 2
    assert list_count("scm:purchaseorder_list", {"status": "no-such-status"}, request) == 0


# ---- global search ---------------------------------------------------------------------------------------------

def test_search_finds_numbers_and_names_of_the_active_company_only(web, company, other_company):
    bracket = ItemFactory(company=company, number="BRK-100", name="Bracket")
    ItemFactory(company=other_company, number="BRK-200", name="Bracket of others")
    party = PartyFactory(company=company, name="Bracket Supplies AG")
    response = web.get(reverse("search"), {"q": "brk", "format": "json"})
    groups = {g["label"]: g["results"] for g in response.json()["groups"]}
    assert groups == {"Items": [{"title": "BRK-100 Bracket", "url": reverse("plm:item_detail", args=[bracket.pk]),
                                 "detail": "Buy · Draft"}]}
    by_name = {g["label"]: [r["title"] for r in g["results"]]
               for g in web.get(reverse("search"), {"q": "Bracket", "format": "json"}).json()["groups"]}
    assert by_name == {"Customers and suppliers": [str(party)], "Items": ["BRK-100 Bracket"]}


def test_search_only_looks_in_models_the_role_may_view(client, company, make_user):
    ItemFactory(company=company, number="PO-LIKE-1", name="Item")
    PurchaseOrderFactory(company=company, number="PO-LIKE-2")
    role = Group.objects.create(name="Item readers (test)")
    role.permissions.add(Permission.objects.get(codename="view_item", content_type__app_label="plm"))
    login(client, make_user(company, role.name))
    labels = [g["label"] for g in client.get(reverse("search"), {"q": "PO-LIKE", "format": "json"}).json()["groups"]]
    assert labels == ["Items"]


def test_search_html_for_the_dialog_and_the_page(web, company):
    ItemFactory(company=company, number="BRK-100", name="Bracket")
    partial = web.get(reverse("search"), {"q": "BRK"}, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div role="listbox"')
    assert 'role="option"' in partial
    assert "BRK-100 Bracket" in partial
    page = web.get(reverse("search"), {"q": "BRK"}).content.decode()
    assert "<h1 class=\"h3 mb-3\">Search</h1>" in page
    assert "BRK-100 Bracket" in page
    assert "Nothing found for" in web.get(reverse("search"), {"q": "zzz-none"}).content.decode()


def test_search_is_nul_safe_and_length_bounded(web, company):
    ItemFactory(company=company, number="BRK-100", name="Bracket")
    assert clean_query("BRK\x00-100\n") == "BRK -100"
    assert len(clean_query("x" * 10_000)) == MAX_QUERY
    refused = web.get(reverse("search"), {"q": "BRK\x00", "format": "json"})  # the request guard answers first
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "q"
    response = web.get(reverse("search"), {"q": "BRK\n", "format": "json"})
    assert response.status_code == 200
    assert response.json()["query"] == "BRK"
    long = web.get(reverse("search"), {"q": "B" * 5000, "format": "json"})
    assert (long.status_code, len(long.json()["query"]), long.json()["groups"]) == (200, MAX_QUERY, [])
    assert web.get(reverse("search"), {"q": "B", "format": "json"}).json()["groups"] == []  # at least 2 characters


def test_search_needs_a_login(client, db):
    assert client.get(reverse("search"), {"q": "BRK"}).status_code == 302
