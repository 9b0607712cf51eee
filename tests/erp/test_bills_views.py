"""Vendor-bill screens: list/detail/create/edit with inline lines (generic mixins), the bill from a purchase order,
the match notes and hold reason, the workflow buttons (release only for a finance manager, with a reason), the
open GR/IR page and its CSV, the home queues and the sidebar; the admin (posted bills read-only, actions through
the services)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core.models import AuditRecord
from apps.erp.models import VendorBill
from apps.erp.models.invoicing import OpenItemStatus as S
from apps.erp.services.bills import bill_create, bill_match, bill_post
from tests.core.factories import PartyFactory
from tests.erp.bills_world import ordered, receive
from tests.erp.factories import VendorBillFactory, VendorBillLineFactory
from tests.mixins import CompanyOwnedUIResourceTests, CreatableUIResourceTests, EditableUIResourceTests

D = Decimal


class TestVendorBillUI(CreatableUIResourceTests, EditableUIResourceTests, CompanyOwnedUIResourceTests):
    allowed_role, denied_role = "Finance", "Engineering"
    url_prefix = "erp:vendorbill"
    factory = VendorBillFactory
    inline_prefixes = ["lines"]
    child_factories = [(VendorBillLineFactory, "bill")]

    def create_form_data(self, company):
        return {"supplier": PartyFactory(company=company, is_supplier=True).pk, "supplier_reference": "INV-1",
                "lines-TOTAL_FORMS": "1", "lines-0-description": "Freight", "lines-0-quantity": "1",
                "lines-0-unit_price": "10"}

    def update_form_data(self, company):
        return {**self.create_form_data(company), "notes": "Checked"}


@pytest.fixture
def web_finance(client, accountant):
    client.force_login(accountant)
    return client


def held_bill(company, user):
    po = ordered(company, user)
    receive(po.world, user, po.order, ["8"])
    bill = bill_create(company=company, actor=user, supplier=po.order.supplier, purchase_order=po.order, lines=[
        {"purchase_order_line": po.lines[0], "quantity": D(10)}])
    return po, bill_match(bill=bill, actor=user)


@pytest.mark.django_db
def test_bill_from_purchase_order_form_drafts_and_shows_the_bill(web_finance, company, user, chart):
    po = ordered(company, user)
    url = reverse("erp:vendorbill_from_po")
    assert web_finance.get(url).status_code == 200
    nothing = web_finance.post(url, {"purchase_order": po.order.pk})
    assert nothing.status_code == 400
    assert "is received and not yet billed" in nothing.content.decode()
    receive(po.world, user, po.order, ["10"])
    response = web_finance.post(url, {"purchase_order": po.order.pk, "supplier_reference": "S-1"})
    assert response.status_code == 302
    bill = VendorBill.objects.get()
    assert response["Location"] == reverse("erp:vendorbill_detail", args=[bill.pk])
    html = web_finance.get(response["Location"]).content.decode()
    assert 'data-testid="total-with-tax">29.75<' in html
    assert "Not matched yet" in html
    assert po.order.get_absolute_url() in html
    web_finance.post(reverse("erp:vendorbill_action", args=[bill.pk, "post"]))
    bill.refresh_from_db()
    assert bill.status == S.POSTED
    html = web_finance.get(reverse("erp:vendorbill_detail", args=[bill.pk])).content.decode()
    assert "Matched: 10 billed of 10 received" in html
    assert bill.entry.get_absolute_url() in html


@pytest.mark.django_db
def test_another_companys_purchase_order_is_refused_on_the_form(web_finance, other_company, other_user):
    po = ordered(other_company, other_user)
    response = web_finance.post(reverse("erp:vendorbill_from_po"), {"purchase_order": po.order.pk})
    assert response.status_code == 400
    assert not VendorBill.objects.exists()


@pytest.mark.django_db
def test_held_bill_shows_the_reason_and_only_a_manager_releases_it(client, web_finance, company, user, manager,
                                                                   chart):
    _po, bill = held_bill(company, user)
    html = web_finance.get(reverse("erp:vendorbill_detail", args=[bill.pk])).content.decode()
    assert 'data-testid="hold-reason"' in html
    assert "exceeds the received quantity 8" in html
    release = reverse("erp:vendorbill_action", args=[bill.pk, "release"])
    assert release not in html  # no button for the accountant
    assert web_finance.post(release, {"reason": "ok"}).status_code == 403
    client.force_login(manager)
    assert release in client.get(reverse("erp:vendorbill_detail", args=[bill.pk])).content.decode()
    response = client.post(release, {"reason": "Two more on the way, agreed."})
    assert response.status_code == 302
    bill.refresh_from_db()
    assert (bill.status, bill.release_reason) == (S.POSTED, "Two more on the way, agreed.")
    assert "Two more on the way" in client.get(reverse("erp:vendorbill_detail", args=[bill.pk])).content.decode()


@pytest.mark.django_db
def test_list_filters_held_and_home_queues(web_finance, company, user, chart):
    held_bill(company, user)
    VendorBillFactory(company=company, notes="a draft")
    listing = web_finance.get(reverse("erp:vendorbill_list"), {"held": "true"})
    assert listing.status_code == 200
    assert listing.context["table"].rows.__len__() == 1
    html = web_finance.get("/").content.decode()
    assert "Bills to match" in html
    assert "Held bills" in html
    assert reverse("erp:vendorbill_list") in html
    assert reverse("erp:grir") in html  # the sidebar


@pytest.mark.django_db
def test_grir_page_and_csv(web_finance, company, user, chart):
    po = ordered(company, user)
    receive(po.world, user, po.order, ["10"])
    page = web_finance.get(reverse("erp:grir"))
    html = page.content.decode()
    assert page.status_code == 200
    assert po.order.number in html
    assert "Received, not billed" in html
    other = PartyFactory(company=company, is_supplier=True)
    assert po.order.number not in web_finance.get(reverse("erp:grir"), {"supplier": other.pk}).content.decode()
    csv = web_finance.get(reverse("erp:grir"), {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("section,purchase_order,line")
    assert lines[1].startswith(f"received_not_billed,{po.order.number},1,")
    assert lines[1].endswith(",25.00,0,0,25.00")


# ---- admin ----------------------------------------------------------------------------------------------------
@pytest.fixture
def admin_client(client, company, make_user):
    client.force_login(make_user(company, "Finance", is_staff=True))
    return client


@pytest.mark.django_db
def test_admin_posted_bill_is_read_only_and_actions_go_through_the_services(admin_client, company, user, chart):
    po = ordered(company, user)
    receive(po.world, user, po.order, ["10"])
    posted = bill_post(bill=bill_create(company=company, actor=user, supplier=po.order.supplier,
                                        purchase_order=po.order, lines=[
                                            {"purchase_order_line": po.lines[0], "quantity": D(5)}]), actor=user)
    draft = bill_create(company=company, actor=user, supplier=po.order.supplier, purchase_order=po.order, lines=[
        {"purchase_order_line": po.lines[0], "quantity": D(5)}])
    page = admin_client.get(reverse("admin:erp_vendorbill_change", args=[posted.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert admin_client.post(reverse("admin:erp_vendorbill_change", args=[posted.pk]),
                             {"notes": "x"}).status_code == 403
    response = admin_client.post(reverse("admin:erp_vendorbill_changelist"),
                                 {"action": "post_bills", "_selected_action": [draft.pk, posted.pk]})
    assert response.status_code == 302
    assert VendorBill.objects.get(pk=draft.pk).status == S.POSTED
    assert AuditRecord.objects.filter(content_type__model="vendorbill", object_id=str(draft.pk),
                                      action="post").exists()
