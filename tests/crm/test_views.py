"""CRM browser screens: the generic resource tests, and the customer 360, board, forecast, my activities, imports
with their preview, merging, moving, feedback, the quote's detail and PDF."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.core.models import Event
from apps.crm.models import Activity, Lead, Opportunity, Quote
from apps.crm.services.activities import activity_create
from apps.crm.services.cases import case_create
from apps.crm.services.pipeline import opportunity_create, opportunity_win
from apps.crm.services.quotes import quote_create, quote_send
from tests.core.factories import MembershipFactory, PartyAddressFactory, PartyFactory
from tests.crm.factories import (
    ActivityFactory,
    CustomerProfileFactory,
    LeadFactory,
    OpportunityFactory,
    PipelineStageFactory,
    PriceBreakFactory,
    PriceListFactory,
    QuoteFactory,
    QuoteLineFactory,
    ReleasedItemFactory,
    SalesSettingsFactory,
    SalesTargetFactory,
    SegmentFactory,
    ServiceCaseFactory,
    TimelineEntryFactory,
)
from tests.mixins import CompanyOwnedUIResourceTests, CreatableUIResourceTests, EditableUIResourceTests
from tests.scm.factories import LotFactory

D = Decimal


class UI(CreatableUIResourceTests, EditableUIResourceTests, CompanyOwnedUIResourceTests):
    allowed_role, denied_role = "Sales", "Engineering"


class TestLeadUI(UI):
    url_prefix = "crm:lead"
    factory = LeadFactory
    create_form_data = {"name": "Hanna Berg", "company_name": "Berg GmbH", "source": "web"}
    update_form_data = {"name": "Hanna Berg-Ott", "company_name": "Berg GmbH", "source": "referral"}


class TestOpportunityUI(UI):
    url_prefix = "crm:opportunity"
    factory = OpportunityFactory

    def create_form_data(self, company):
        return {"customer": PartyFactory(company=company).pk, "title": "Fleet", "amount": "1000",
                "stage": PipelineStageFactory(company=company).pk}

    def update_form_data(self, company):
        return {"customer": PartyFactory(company=company).pk, "title": "Fleet 2", "amount": "1500",
                "stage": PipelineStageFactory(company=company).pk, "probability": "40"}


class TestActivityUI(UI):
    url_prefix = "crm:activity"
    factory = ActivityFactory
    create_form_data = {"kind": "call", "subject": "Call Jane", "due_at": "2030-01-15T09:30"}
    update_form_data = {"kind": "call", "subject": "Call Jane again", "due_at": "2030-01-16T09:30", "done": "on"}


class TestQuoteUI(UI):
    url_prefix = "crm:quote"
    factory = QuoteFactory
    inline_prefixes = ["lines"]
    child_factories = [(QuoteLineFactory, "quote")]

    def create_form_data(self, company):
        return {"customer": PartyFactory(company=company).pk, "lines-TOTAL_FORMS": "1",
                "lines-0-item": ReleasedItemFactory(company=company).pk, "lines-0-quantity": "2",
                "lines-0-unit_price": "10", "lines-0-discount_percent": "0"}

    def update_form_data(self, company):
        return {**self.create_form_data(company), "notes": "Revised terms"}


class TestServiceCaseUI(UI):
    url_prefix = "crm:servicecase"
    factory = ServiceCaseFactory

    def create_form_data(self, company):
        return {"customer": PartyFactory(company=company).pk, "subject": "Noise", "priority": "high"}

    update_form_data = {"subject": "Loud noise", "priority": "urgent"}


class TestCustomerProfileUI(UI):
    url_prefix = "crm:customerprofile"
    factory = CustomerProfileFactory
    update_form_data = {"industry": "Energy", "credit_limit": "1000"}

    def create_form_data(self, company):
        return {"party": PartyFactory(company=company).pk, "industry": "Agriculture"}


class TestSegmentUI(UI):
    url_prefix = "crm:segment"
    factory = SegmentFactory
    create_form_data = {"name": "Dealers"}
    update_form_data = {"name": "OEM"}


class TestPipelineStageUI(UI):
    url_prefix = "crm:pipelinestage"
    factory = PipelineStageFactory
    create_form_data = {"name": "Demo", "order": "15", "probability": "30"}
    update_form_data = {"name": "Demo day", "order": "16", "probability": "35"}


class TestSalesTargetUI(UI):
    url_prefix = "crm:salestarget"
    factory = SalesTargetFactory

    def create_form_data(self, company):
        return {"owner": MembershipFactory(company=company).user_id, "month": "2026-05-01", "amount": "9000"}

    def update_form_data(self, company):
        return {"owner": MembershipFactory(company=company).user_id, "month": "2026-06-15", "amount": "9500"}


class TestPriceListUI(UI):
    url_prefix = "crm:pricelist"
    factory = PriceListFactory
    inline_prefixes = ["breaks"]
    child_factories = [(PriceBreakFactory, "price_list")]

    def create_form_data(self, company):
        return {"name": "General", "currency": company.currency_id, "is_active": "on", "breaks-TOTAL_FORMS": "1",
                "breaks-0-item": ReleasedItemFactory(company=company).pk, "breaks-0-min_quantity": "0",
                "breaks-0-unit_price": "12.5"}

    def update_form_data(self, company):
        return {**self.create_form_data(company), "name": "General 2027"}


# ---- custom pages --------------------------------------------------------------------------------------------
@pytest.fixture
def web_sales(client, sales):
    client.force_login(sales)
    return client


@pytest.mark.django_db
def test_customer_360_shows_everything_about_the_customer(web_sales, company, other_company, customer, product,
                                                          sales, stages):
    CustomerProfileFactory(company=company, party=customer, owner=sales, industry="Forestry")
    opportunity = opportunity_create(company=company, actor=sales, customer=customer, title="Spring fleet")
    quote = quote_create(company=company, actor=sales, customer=customer,
                         lines=[{"item": product, "quantity": D(1), "unit_price": D(5)}])
    quote_send(quote=quote, actor=sales)
    case = case_create(company=company, actor=sales, customer=customer, subject="Rattling hood")
    late = activity_create(company=company, actor=sales, subject="Call about the hood", kind="call",
                           due_at=timezone.now() - datetime.timedelta(hours=2), target_type="crm.servicecase",
                           target_id=case.pk)
    TimelineEntryFactory(company=company, customer=customer, title="Shipment SH-77 shipped")
    response = web_sales.get(reverse("crm:customer_360", args=[customer.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Forestry", "Spring fleet", opportunity.number, str(quote), "Rattling hood", "Call about the hood",
                 "Shipment SH-77 shipped", f"Quote {quote} sent", f"Case {case.number} opened"):
        assert text in page, text
    assert [a.pk for a in response.context["activities"]] == [late.pk]
    assert response.context["activities"][0].overdue
    theirs = PartyFactory(company=other_company, is_customer=True)
    assert web_sales.get(reverse("crm:customer_360", args=[theirs.pk])).status_code == 404


@pytest.mark.django_db
def test_board_page_shows_the_columns(web_sales, company, customer, stages, client, make_user):
    OpportunityFactory(company=company, customer=customer, stage=stages["Negotiation"], title="Big deal",
                       amount=D("300.00"), amount_company_currency=D("300.00"), probability=D(75))
    response = web_sales.get(reverse("crm:board"))
    assert response.status_code == 200
    negotiation = response.context["columns"][3]
    assert (negotiation.count, negotiation.total, negotiation.weighted_total) == (1, D("300.00"), D("225.00"))
    assert "Big deal" in response.content.decode()
    assert "weighted 225.00" in response.content.decode()
    from tests.mixins import no_access_role

    no_access_role()
    client.force_login(make_user(company, "No access (test)"))
    assert client.get(reverse("crm:board")).status_code == 403


@pytest.mark.django_db
def test_forecast_page_shows_the_year(web_sales, company, customer, stages, sales):
    OpportunityFactory(company=company, customer=customer, stage=stages["Proposal"], amount=D("800.00"),
                       amount_company_currency=D("800.00"), probability=D(50), owner=sales,
                       expected_close=datetime.date(2026, 2, 10))
    response = web_sales.get(reverse("crm:forecast"), {"year": "2026"})
    assert response.status_code == 200
    assert response.context["data"]["months"][1]["weighted"] == D("400.00")
    assert "2026-02" in response.content.decode()


@pytest.mark.django_db
def test_my_activities_lists_mine_open_first_with_overdue_highlighted(web_sales, company, sales, make_user):
    now = timezone.now()
    late = ActivityFactory(company=company, owner=sales, subject="Late call", due_at=now - datetime.timedelta(days=1))
    soon = ActivityFactory(company=company, owner=sales, subject="Soon", due_at=now + datetime.timedelta(hours=3))
    ActivityFactory(company=company, owner=sales, subject="Finished", due_at=now, done=True)
    ActivityFactory(company=company, owner=make_user(company, "Sales"), subject="Someone else's")
    response = web_sales.get(reverse("crm:my_activities"))
    assert [a.pk for a in response.context["activities"]] == [late.pk, soon.pk]
    page = response.content.decode()
    assert f'<tr class="table-danger" data-testid="activity-{late.pk}">' in page
    assert f'<tr class="" data-testid="activity-{soon.pk}">' in page
    assert "Someone else" not in page
    assert len(web_sales.get(reverse("crm:my_activities"), {"done": "1"}).context["activities"]) == 3


@pytest.mark.django_db
def test_adding_an_activity_from_a_record_links_it(web_sales, company, customer, stages, sales):
    opportunity = OpportunityFactory(company=company, customer=customer, stage=stages["Proposal"])
    url = reverse("crm:activity_create")
    query = f"?target_type=crm.opportunity&target_id={opportunity.pk}&customer={customer.pk}"
    assert web_sales.get(url + query).status_code == 200
    response = web_sales.post(url, {"kind": "meeting", "subject": "Demo", "due_at": "2030-02-01T10:00",
                                    "target_type": "crm.opportunity", "target_id": opportunity.pk,
                                    "customer": customer.pk})
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.target, activity.customer, activity.owner) == (opportunity, customer, sales)
    detail = web_sales.get(reverse("crm:opportunity_detail", args=[opportunity.pk])).content.decode()
    assert "Demo" in detail


LEADS_CSV = b"name,company_name,email\nHanna Berg,Berg GmbH,h@berg.example\n,No name Ltd,x@y.example\n"


@pytest.mark.django_db
def test_lead_import_preview_shows_row_errors_and_writes_nothing(web_sales):
    url = reverse("crm:lead_import")
    assert web_sales.get(url).status_code == 200
    response = web_sales.post(url, {"step": "preview", "file": SimpleUploadedFile("leads.csv", LEADS_CSV)})
    assert response.status_code == 200
    assert response.context["result"].totals() == {"create": 1, "update": 0, "unchanged": 0, "error": 1}
    assert "name: Required." in response.content.decode()
    assert "Confirm import" not in response.content.decode()
    assert not Lead.objects.exists()
    good = b"name,company_name,email\nHanna Berg,Berg GmbH,h@berg.example\n"
    web_sales.post(url, {"step": "preview", "file": SimpleUploadedFile("leads.csv", good)})
    assert not Lead.objects.exists()
    response = web_sales.post(url, {"step": "confirm"})
    assert response.status_code == 302
    assert list(Lead.objects.values_list("name", "source")) == [("Hanna Berg", "import")]


@pytest.mark.django_db
def test_customer_import_page_previews(web_sales, company):
    csv = b"name,email\nBerg GmbH,not-an-email\n"
    response = web_sales.post(reverse("crm:customer_import"), {"step": "preview",
                                                              "file": SimpleUploadedFile("c.csv", csv)})
    assert response.context["result"].rows[0].errors == {"email": "'not-an-email' is not an e-mail address."}


@pytest.mark.django_db
def test_lead_page_offers_duplicates_and_merges_one(web_sales, company, client, make_user):
    keep = LeadFactory(company=company, email="tom@fisher.example")
    gone = LeadFactory(company=company, email="Tom@Fisher.example")
    detail = web_sales.get(reverse("crm:lead_detail", args=[keep.pk]))
    assert [d.pk for d in detail.context["duplicates"]] == [gone.pk]
    assert reverse("crm:lead_merge", args=[keep.pk]) in detail.content.decode()
    response = web_sales.post(reverse("crm:lead_merge", args=[keep.pk]), {"duplicate": gone.pk})
    assert response.status_code == 302
    gone.refresh_from_db()
    assert gone.merged_into == keep
    other = LeadFactory(company=company, email="tom@fisher.example")
    client.force_login(make_user(company, "Engineering"))
    assert client.post(reverse("crm:lead_merge", args=[keep.pk]), {"duplicate": other.pk}).status_code == 403
    assert Lead.objects.get(pk=other.pk).merged_into is None


@pytest.mark.django_db
def test_qualify_button_and_moving_a_won_opportunity_is_refused(web_sales, company, customer, stages, sales):
    lead = LeadFactory(company=company, company_name="Berg GmbH")
    response = web_sales.post(reverse("crm:lead_action", args=[lead.pk, "qualify"]), {"title": "Tractors"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.opportunity.title) == ("qualified", "Tractors")
    opportunity = opportunity_win(opportunity=lead.opportunity, actor=sales)
    response = web_sales.post(reverse("crm:opportunity_move", args=[opportunity.pk]),
                              {"stage": stages["Proposal"].pk}, follow=True)
    assert "it no longer moves or changes" in response.content.decode()
    assert Opportunity.objects.get(pk=opportunity.pk).stage == stages["Won"]
    detail = web_sales.get(reverse("crm:opportunity_detail", args=[opportunity.pk])).content.decode()
    assert 'data-testid="move-form"' not in detail


@pytest.mark.django_db
def test_feedback_page_sends_the_feedback(web_sales, company, customer, product, sales):
    case = case_create(company=company, actor=sales, customer=customer, subject="Paint", item=product)
    url = reverse("crm:case_feedback", args=[case.pk])
    assert web_sales.get(url).status_code == 200
    response = web_sales.post(url, {"description": "Flakes", "items": [product.pk]})
    assert response.status_code == 302
    assert Event.objects.get(name="crm.feedback.submitted").payload["item_numbers"] == ["TR-1"]
    assert web_sales.post(url, {"description": ""}).status_code == 400


@pytest.mark.django_db
def test_quote_page_shows_totals_availability_and_the_pdf(web_sales, company, customer, product, sales):
    SalesSettingsFactory(company=company, letterhead_address="1 Works Road\nSheffield")
    PartyAddressFactory(party=customer)
    quote = quote_create(company=company, actor=sales, customer=customer,
                         lines=[{"item": product, "quantity": D(3), "unit_price": D("19.99"),
                                 "discount_percent": D("7.5"), "tax_rate": D(19)}])
    page = web_sales.get(reverse("crm:quote_detail", args=[quote.pk]))
    assert page.context["lines"][0][1] == D(0)
    text = page.content.decode()
    assert '<th class="text-end" data-testid="total">55.47</th>' in text
    assert 'data-testid="total-with-tax">66.01<' in text
    assert 'class="text-end text-danger fw-bold" data-testid="atp">0<' in text
    pdf = web_sales.get(reverse("crm:quote_pdf", args=[quote.pk]))
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF")
    quote_send(quote=quote, actor=sales)
    response = web_sales.post(reverse("crm:quote_action", args=[quote.pk, "revise"]))
    assert response.status_code == 302
    assert list(Quote.objects.filter(number=quote.number).values_list("version", "status").order_by("version")) == [
        (1, "superseded"), (2, "draft")]


@pytest.mark.django_db
def test_case_page_links_the_lot_genealogy_and_flags_overdue(web_sales, company, customer, product, sales):
    lot = LotFactory(company=company, item=product, code="SN 7/1")
    case = case_create(company=company, actor=sales, customer=customer, subject="Stops", lot=lot, priority="urgent")
    type(case).objects.filter(pk=case.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    page = web_sales.get(reverse("crm:servicecase_detail", args=[case.pk])).content.decode()
    assert 'href="/mes/genealogy/?lot=SN+7%2F1"' in page
    assert 'data-testid="overdue"' in page
