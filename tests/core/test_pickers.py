"""Searchable pickers: the one autocomplete endpoint (scoping, permission, dependent filters, pagination) and the
generic forms and list filters that render pickers and refuse on the server what a picker would not offer."""

import html
import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from apps.core.ui.widgets import sign_limit
from apps.plm.choices import LifecycleState, RevisionStatus
from tests.core.factories import PartyFactory
from tests.mixins import add_membership, no_access_role, switch_company
from tests.plm.factories import ItemFactory, RevisionFactory
from tests.scm.factories import WarehouseFactory


def autocomplete(model: str) -> str:
    return reverse("core:autocomplete", args=[model])


def texts(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["text"] for row in response.json()["results"]]


def select_of(content: bytes, name: str) -> str:
    """The `<select>` of a field in a rendered page."""
    match = re.search(rf'<select[^>]*name="{re.escape(name)}".*?</select>', content.decode(), re.S)
    assert match, f"no <select> named {name}"
    return match.group(0)


def ask(client, url: str, **params):
    """GET a picker's URL (which may carry its signed restriction) with more parameters."""
    return client.get(f"{url}{'&' if '?' in url else '?'}{urlencode(params)}" if params else url)


def picker_url(content: bytes, name: str) -> str:
    match = re.search(r'data-picker-url="([^"]+)"', select_of(content, name))
    assert match, f"{name} is not a remote picker"
    return html.unescape(match.group(1))


# ---- the endpoint ---------------------------------------------------------------------------------
def test_autocomplete_searches_number_and_name_in_the_active_company_only(client, company, other_company,
                                                                          make_user):
    ItemFactory(company=company, number="BOLT-M8", name="Hex bolt")
    ItemFactory(company=company, number="NUT-M8", name="Nut for the bolt")
    ItemFactory(company=company, number="WASHER", name="Washer")
    ItemFactory(company=other_company, number="BOLT-OTHER", name="Their bolt")
    user = make_user(company, "Engineering")
    add_membership(user, other_company, "Engineering")
    client.force_login(user)
    switch_company(client, company)
    assert texts(client.get(autocomplete("plm.item"), {"q": "bolt"})) == ["BOLT-M8 Hex bolt", "NUT-M8 Nut for the bolt"]
    switch_company(client, other_company)
    assert texts(client.get(autocomplete("plm.item"), {"q": "bolt"})) == ["BOLT-OTHER Their bolt"]


def test_autocomplete_answers_403_without_view_permission_in_the_active_company(client, company, other_company,
                                                                                make_user):
    ItemFactory(company=company, number="BOLT-M8")
    user = make_user(other_company, "Engineering")  # may read items elsewhere only
    add_membership(user, company, "Sales")
    user.memberships.filter(company=company).update(role=no_access_role())
    client.force_login(user)
    switch_company(client, company)
    response = client.get(autocomplete("plm.item"), {"q": "bolt"})
    assert response.status_code == 403
    assert b"BOLT-M8" not in response.content


def test_autocomplete_needs_a_signed_in_user(client, company):
    response = client.get(autocomplete("plm.item"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("model", ["auth.permission", "contenttypes.contenttype", "plm.nothing", "nonsense"])
def test_autocomplete_offers_no_other_models(web, model):
    assert web.get(autocomplete(model)).status_code == 404


def test_dependent_picker_offers_the_revisions_of_the_chosen_item_only(web, company, other_company):
    bracket, shaft = ItemFactory(company=company, number="BRACKET"), ItemFactory(company=company, number="SHAFT")
    for code in "ABC":
        RevisionFactory(item=bracket, code=code, status=RevisionStatus.SUPERSEDED)
    RevisionFactory(item=shaft, code="A")
    foreign = RevisionFactory(item=ItemFactory(company=other_company, number="FOREIGN"), code="A")
    assert texts(web.get(autocomplete("plm.revision"), {"item": bracket.pk})) == [
        "BRACKET rev A", "BRACKET rev B", "BRACKET rev C"]
    assert texts(web.get(autocomplete("plm.revision"), {"item": foreign.item_id})) == []  # never another company's
    assert web.get(autocomplete("plm.revision"), {"item": "1 OR 1=1"}).status_code == 400


def test_autocomplete_pages_by_twenty(web, company):
    for n in range(25):
        ItemFactory(company=company, number=f"PART-{n:02d}")
    first = web.get(autocomplete("plm.item"), {"q": "part"}).json()
    second = web.get(autocomplete("plm.item"), {"q": "part", "page": "2"}).json()
    assert (len(first["results"]), first["more"]) == (20, True)
    assert [r["text"].split()[0] for r in second["results"]] == [f"PART-{n}" for n in range(20, 25)]
    assert second["more"] is False
    assert web.get(autocomplete("plm.item"), {"q": "part", "page": "x"}).json() == first


def test_autocomplete_search_text_is_nul_safe_and_bounded(web, company):
    ItemFactory(company=company, number="BOLT-M8")
    refused = web.get(autocomplete("plm.item"), {"q": "BOLT\x00"})  # the request guard answers before the view
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "q"
    assert texts(web.get(autocomplete("plm.item"), {"q": "BOLT"})) == ["BOLT-M8 Part BOLT-M8"]
    assert texts(web.get(autocomplete("plm.item"), {"q": "BOLT" + "x" * 5000})) == []


def test_a_tampered_restriction_is_refused(web, company):
    ItemFactory(company=company, number="BOLT-M8", lifecycle_state=LifecycleState.OBSOLETE)
    token = sign_limit({"exclude": {"lifecycle_state": "obsolete"}})
    assert texts(web.get(autocomplete("plm.item"), {"limit": token})) == []
    assert web.get(autocomplete("plm.item"), {"limit": token[:-2] + "xx"}).status_code == 400
    unsigned = sign_limit({"filter": {"company__memberships__user__password__startswith": "p"}})[:-1]
    assert web.get(autocomplete("plm.item"), {"limit": unsigned}).status_code == 400


def test_user_pickers_offer_the_active_companys_members(web, company, other_company, make_user):
    make_user(company, "Quality", username="quinn")
    make_user(other_company, "Quality", username="olaf")
    assert texts(web.get(autocomplete("auth.user"))) == ["alice", "quinn"]


# ---- forms built by the generic views ---------------------------------------------------------------
def test_generic_form_renders_pickers_with_the_chosen_record_only(web, company):
    item = ItemFactory(company=company, number="GEARBOX", item_type="make")
    ItemFactory.create_batch(5, company=company, item_type="make")
    response = web.get(reverse("mes:workorder_create"), {"item": item.pk})
    item_select = select_of(response.content, "item")
    assert 'data-picker="remote"' in item_select
    assert item_select.count("<option") == 2  # the empty choice and the one pre-selected, not the whole list
    assert "GEARBOX" in item_select
    revision = select_of(response.content, "revision")
    assert 'data-picker-depends="{&quot;item&quot;: &quot;$item&quot;}"' in revision
    assert "Default: the item&#x27;s released revision" in revision
    assert "data-picker" not in select_of(response.content, "source")  # a choice of values, not of records


def test_work_order_item_picker_offers_made_items_that_are_not_obsolete(web, company):
    ItemFactory(company=company, number="GEARBOX", item_type="make")
    ItemFactory(company=company, number="GEARBOX-OLD", item_type="make", lifecycle_state=LifecycleState.OBSOLETE)
    ItemFactory(company=company, number="GEARBOX-BOUGHT", item_type="buy")
    url = picker_url(web.get(reverse("mes:workorder_create")).content, "item")
    assert texts(ask(web, url, q="gearbox")) == ["GEARBOX Part GEARBOX"]


def test_change_order_revisions_are_a_multi_picker_of_draft_revisions(web, company):
    item = ItemFactory(company=company, number="BRACKET")
    RevisionFactory(item=item, code="A", status=RevisionStatus.RELEASED)
    RevisionFactory(item=item, code="B", status=RevisionStatus.DRAFT)
    response = web.get(reverse("plm:changeorder_create"))
    select = select_of(response.content, "revisions")
    assert "multiple" in select
    assert 'data-picker="remote"' in select
    assert texts(ask(web, picker_url(response.content, "revisions"))) == ["BRACKET rev B"]


def test_bom_component_picker_never_offers_obsolete_items(web, company):
    revision = RevisionFactory(item=ItemFactory(company=company, number="ASSY", item_type="make"), code="A")
    ItemFactory(company=company, number="SCREW")
    ItemFactory(company=company, number="SCREW-OLD", lifecycle_state=LifecycleState.OBSOLETE)
    response = web.get(reverse("plm:revision_update", args=[revision.pk]))
    url = picker_url(response.content, "bom_lines-0-component")
    assert texts(ask(web, url, q="screw")) == ["SCREW Part SCREW"]
    assert "data-picker-defaults" in select_of(response.content, "bom_lines-0-component")


def test_purchase_order_warehouse_picker_offers_active_warehouses(web, company):
    WarehouseFactory(company=company, code="MAIN")
    WarehouseFactory(company=company, code="CLOSED", is_active=False)
    url = picker_url(web.get(reverse("scm:purchaseorder_create")).content, "warehouse")
    assert texts(ask(web, url)) == ["MAIN"]


def test_list_filters_render_pickers(web, company):
    response = web.get(reverse("scm:purchaseorder_list"))
    for name in ("supplier", "warehouse"):
        assert 'data-picker="remote"' in select_of(response.content, name)


# ---- the server refuses what a picker would not offer -----------------------------------------------
def work_order_data(item, revision, **extra) -> dict:
    return {"item": item.pk, "revision": revision.pk if revision else "", "quantity": "5",
            "due_date": "2030-03-15", "priority": "3", "source": "manual", "over_completion_percent": "10", **extra}


def test_work_order_refuses_an_obsolete_or_foreign_item_and_a_revision_of_another_item(web, company,
                                                                                      other_company):
    obsolete = RevisionFactory(item=ItemFactory(company=company, item_type="make",
                                                lifecycle_state=LifecycleState.OBSOLETE),
                               status=RevisionStatus.RELEASED)
    foreign = RevisionFactory(item=ItemFactory(company=other_company, item_type="make"),
                              status=RevisionStatus.RELEASED)
    good = RevisionFactory(item=ItemFactory(company=company, item_type="make"), status=RevisionStatus.RELEASED)
    other = RevisionFactory(item=ItemFactory(company=company, item_type="make"), status=RevisionStatus.RELEASED)
    for revision, field in ((obsolete, "item"), (foreign, "item")):
        response = web.post(reverse("mes:workorder_create"), work_order_data(revision.item, revision))
        assert response.status_code == 400
        assert field in response.context["form"].errors
    response = web.post(reverse("mes:workorder_create"), work_order_data(good.item, other))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["revision"]
    from apps.mes.models import WorkOrder

    assert not WorkOrder.objects.exists()


def test_work_order_left_without_revision_gets_the_released_one(web, company):
    revision = RevisionFactory(item=ItemFactory(company=company, item_type="make"), status=RevisionStatus.RELEASED)
    response = web.post(reverse("mes:workorder_create"), work_order_data(revision.item, None))
    assert response.status_code == 302, response.context and response.context["form"].errors
    from apps.mes.models import WorkOrder

    assert WorkOrder.objects.get().revision == revision


def test_bom_editor_refuses_an_obsolete_component_and_defaults_the_unit(web, company):
    from tests.plm.factories import unit

    revision = RevisionFactory(item=ItemFactory(company=company, number="ASSY", item_type="make"), code="A")
    obsolete = ItemFactory(company=company, number="OLD", lifecycle_state=LifecycleState.OBSOLETE)
    screw = ItemFactory(company=company, number="SCREW", uom=unit("kg"))
    form = {"effective_from": "", "notes": "", "bom_lines-TOTAL_FORMS": "1", "bom_lines-INITIAL_FORMS": "0",
            "bom_lines-0-position": "10", "bom_lines-0-quantity": "2", "bom_lines-0-scrap_percent": "0"}
    response = web.post(reverse("plm:revision_update", args=[revision.pk]),
                        {**form, "bom_lines-0-component": obsolete.pk})
    assert response.status_code == 400
    [(_inline, formset)] = response.context["formsets"]
    assert "component" in formset.forms[0].errors
    assert not revision.bom_lines.exists()
    response = web.post(reverse("plm:revision_update", args=[revision.pk]),
                        {**form, "bom_lines-0-component": screw.pk, "bom_lines-0-uom": ""})
    assert response.status_code == 302
    assert list(revision.bom_lines.values_list("component__number", "uom__code")) == [("SCREW", "kg")]


def test_purchase_order_refuses_an_inactive_warehouse_and_defaults_currency_and_price(web, company):
    from apps.core.models import Currency, Party
    from apps.scm.models import PurchaseOrder, SupplierItem
    from tests.scm.factories import purchasing_world

    world = purchasing_world(company)
    usd = Currency.objects.get(code="USD")
    Party.objects.filter(pk=world.supplier.pk).update(currency=usd)
    SupplierItem.objects.filter(pk=world.supplier_item.pk).update(currency=usd)
    closed = WarehouseFactory(company=company, code="CLOSED", is_active=False)
    data = {"supplier": world.supplier.pk, "currency": "", "order_date": "2030-01-10", "notes": "",
            "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-item": world.item.pk,
            "lines-0-quantity": "120", "lines-0-unit_price": "", "lines-0-due_date": ""}
    response = web.post(reverse("scm:purchaseorder_create"), {**data, "warehouse": closed.pk})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["warehouse"]
    response = web.post(reverse("scm:purchaseorder_create"), {**data, "warehouse": world.warehouse.pk})
    assert response.status_code == 302, response.context and response.context["form"].errors
    order = PurchaseOrder.objects.get()
    assert (order.currency, order.warehouse) == (usd, world.warehouse)
    assert [str(line.unit_price) for line in order.lines.all()] == ["2.0000"]  # the break from 100 on


def test_a_purchase_line_refuses_another_companys_item(web, company, other_company):
    from tests.scm.factories import purchasing_world

    world = purchasing_world(company)
    foreign = ItemFactory(company=other_company, number="FOREIGN")
    data = {"supplier": world.supplier.pk, "currency": "", "order_date": "2030-01-10", "warehouse": "",
            "notes": "", "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-item": foreign.pk,
            "lines-0-quantity": "1", "lines-0-unit_price": "1", "lines-0-due_date": ""}
    response = web.post(reverse("scm:purchaseorder_create"), data)
    assert response.status_code == 400
    [(_inline, formset)] = response.context["formsets"]
    assert "item" in formset.forms[0].errors


# ---- defaults from context -------------------------------------------------------------------------
def test_purchase_defaults_answer_the_suppliers_currency_terms_and_the_price_break(web, company, other_company):
    from apps.core.models import Party
    from tests.scm.factories import purchasing_world

    world = purchasing_world(company)
    Party.objects.filter(pk=world.supplier.pk).update(payment_terms_days=45)
    url = reverse("scm:purchase_defaults")
    assert web.get(url, {"supplier": world.supplier.pk}).json() == {
        "currency": company.currency_id, "terms": "EUR, payment in 45 days"}
    answer = web.get(url, {"supplier": world.supplier.pk, "item": world.item.pk, "quantity": "150"}).json()
    assert (answer["unit_price"], answer["uom"], answer["price_note"]) == ("2.0000", "ea", "2 EUR for 150")
    answer = web.get(url, {"supplier": world.supplier.pk, "item": world.item.pk, "quantity": "10"}).json()
    assert answer["unit_price"] == "2.5000"
    foreign = PartyFactory(company=other_company, is_supplier=True)
    assert web.get(url, {"supplier": foreign.pk}).json() == {}


def test_item_defaults_answer_the_unit_and_the_released_revision(web, company, other_company):
    item = ItemFactory(company=company, number="GEARBOX", item_type="make")
    revision = RevisionFactory(item=item, code="B", status=RevisionStatus.RELEASED)
    answer = web.get(reverse("plm:item_defaults"), {"item": item.pk}).json()
    assert answer == {"uom": item.uom_id, "uom_code": "ea", "revision": {"id": revision.pk, "text": "GEARBOX rev B"}}
    foreign = ItemFactory(company=other_company)
    assert web.get(reverse("plm:item_defaults"), {"item": foreign.pk}).status_code == 404


def test_fields_left_empty_on_edit_keep_or_take_their_default(web, company):
    from apps.core.models import Currency, Party
    from tests.mes.factories import WorkOrderFactory
    from tests.scm.factories import SupplierItemFactory

    work_order = WorkOrderFactory(company=company)
    response = web.post(reverse("mes:workorder_update", args=[work_order.pk]), {
        **work_order_data(work_order.item, None), "quantity": "7"})
    assert response.status_code == 302, response.context and response.context["form"].errors
    work_order.refresh_from_db()
    assert (work_order.quantity, work_order.revision_id) == (7, work_order.definition.revision_id)

    supplier_item = SupplierItemFactory(company=company)
    Party.objects.filter(pk=supplier_item.supplier_id).update(currency=Currency.objects.get(code="CHF"))
    response = web.post(reverse("scm:supplieritem_update", args=[supplier_item.pk]), {
        "supplier": supplier_item.supplier_id, "item": supplier_item.item_id, "currency": "",
        "supplier_part_number": "X-1", "lead_time_days": "3", "minimum_order_quantity": "0",
        "price_breaks-TOTAL_FORMS": "0", "price_breaks-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.context and response.context["form"].errors
    supplier_item.refresh_from_db()
    assert supplier_item.currency.code == "CHF"
