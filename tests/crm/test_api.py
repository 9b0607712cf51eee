"""CRM API through the generic mixins (CRUD, company isolation 404, per-company roles: Sales may, Engineering may
not; list query counts with child rows), and the contract's actions: qualify, merge, win/lose/move (409 once
closed), board, forecast, quote actions, PDF, available-to-promise, feedback, imports."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.core.models import Event, Party
from apps.crm.models import Lead, Opportunity, Quote, SalesSettings, SlaPolicy
from tests.core.factories import MembershipFactory, PartyFactory
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
    SalesTargetFactory,
    SegmentFactory,
    ServiceCaseFactory,
    TimelineEntryFactory,
)
from tests.mixins import (
    CompanyOwnedAPIResourceTests,
    DeletableAPIResourceTests,
    FilterableAPIResourceTests,
    ReadOnlyAPIResourceTests,
    token_client,
)
from tests.scm.factories import LocationFactory, StockQuantFactory

BASE = "/api/v1/crm/"
D = Decimal


class SalesRoles:
    allowed_role, denied_role = "Sales", "Engineering"


class TestLeadAPI(SalesRoles, DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = f"{BASE}leads/"
    factory = LeadFactory
    create_payload = {"name": "Hanna Berg", "company_name": "Berg GmbH", "email": "h@berg.example",
                      "source": "trade_show"}
    update_payload = {"phone": "+49 711 1"}
    filter_cases = [({"status": "contacted"}, {"status": "contacted"}, {"status": "new"}),
                    ({"email": "FIND@ME.example"}, {"email": "find@me.example"}, {"email": "other@me.example"})]


class TestOpportunityAPI(SalesRoles, DeletableAPIResourceTests, CompanyOwnedAPIResourceTests,
                         FilterableAPIResourceTests):
    list_url = f"{BASE}opportunities/"
    factory = OpportunityFactory
    update_payload = {"title": "Renamed deal"}
    filter_cases = [({"status": "won"}, {"status": "won"}, {"status": "open"})]

    def create_payload(self, company):
        return {"customer": PartyFactory(company=company).pk, "title": "Spring fleet", "amount": "1200.00"}


class TestActivityAPI(SalesRoles, DeletableAPIResourceTests, CompanyOwnedAPIResourceTests,
                      FilterableAPIResourceTests):
    list_url = f"{BASE}activities/"
    factory = ActivityFactory
    create_payload = {"kind": "meeting", "subject": "Visit the plant", "due_at": "2030-01-15T09:30:00Z"}
    update_payload = {"done": True}
    filter_cases = [({"kind": "email"}, {"kind": "email"}, {"kind": "call"}),
                    ({"is_overdue": "true"}, {"is_overdue": True}, {"is_overdue": False})]


class TestQuoteAPI(SalesRoles, DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = f"{BASE}quotes/"
    factory = QuoteFactory
    update_payload = {"notes": "Delivery in May"}
    child_factories = [(QuoteLineFactory, "quote")]
    filter_cases = [({"status": "sent"}, {"status": "sent"}, {"status": "draft"})]

    def create_payload(self, company):
        return {"customer": PartyFactory(company=company).pk, "notes": "First offer",
                "lines": [{"item": ReleasedItemFactory(company=company).pk, "quantity": "2", "unit_price": "10"}]}


class TestServiceCaseAPI(SalesRoles, DeletableAPIResourceTests, CompanyOwnedAPIResourceTests,
                         FilterableAPIResourceTests):
    list_url = f"{BASE}cases/"
    factory = ServiceCaseFactory
    update_payload = {"subject": "Loud noise when cold"}
    filter_cases = [({"priority": "urgent"}, {"priority": "urgent"}, {"priority": "low"})]

    def create_payload(self, company):
        return {"customer": PartyFactory(company=company).pk, "subject": "Noise", "priority": "high"}


class TestCustomerProfileAPI(SalesRoles, DeletableAPIResourceTests, CompanyOwnedAPIResourceTests,
                             FilterableAPIResourceTests):
    list_url = f"{BASE}customers/"
    factory = CustomerProfileFactory
    update_payload = {"industry": "Wind energy", "credit_limit": "5000.00"}
    filter_cases = [({"industry": "Mining"}, {"industry": "Mining"}, {"industry": "Farming"})]

    def create_payload(self, company):
        return {"party": PartyFactory(company=company).pk, "industry": "Agriculture"}


class TestSegmentAPI(SalesRoles, DeletableAPIResourceTests, CompanyOwnedAPIResourceTests):
    list_url = f"{BASE}segments/"
    factory = SegmentFactory
    create_payload = {"name": "Dealers"}
    update_payload = {"description": "Resellers"}


class TestPipelineStageAPI(SalesRoles, DeletableAPIResourceTests, CompanyOwnedAPIResourceTests):
    list_url = f"{BASE}pipeline-stages/"
    factory = PipelineStageFactory
    create_payload = {"name": "Demo", "order": 15, "probability": "30.00"}
    update_payload = {"probability": "35.00"}


class TestSalesTargetAPI(SalesRoles, DeletableAPIResourceTests, CompanyOwnedAPIResourceTests):
    list_url = f"{BASE}sales-targets/"
    factory = SalesTargetFactory
    update_payload = {"amount": "12000.00"}

    def create_payload(self, company):
        return {"owner": MembershipFactory(company=company).user_id, "month": "2026-05-01", "amount": "9000.00"}


class TestPriceListAPI(SalesRoles, DeletableAPIResourceTests, CompanyOwnedAPIResourceTests):
    list_url = f"{BASE}price-lists/"
    factory = PriceListFactory
    update_payload = {"name": "General 2027"}
    child_factories = [(PriceBreakFactory, "price_list")]

    def create_payload(self, company):
        return {"name": "General", "currency": "EUR", "breaks": [
            {"item": ReleasedItemFactory(company=company).pk, "min_quantity": "0", "unit_price": "10.00"}]}


class TestTimelineAPI(SalesRoles, ReadOnlyAPIResourceTests, CompanyOwnedAPIResourceTests):
    list_url = f"{BASE}timeline/"
    factory = TimelineEntryFactory


# ---- one per company: SLA table and sales settings ---------------------------------------------------------------
@pytest.mark.django_db
def test_sla_policies_and_sales_settings_are_per_company(company, other_company, make_user):
    sales = token_client(make_user(company, "Sales"))
    response = sales.post(f"{BASE}sla-policies/", {"priority": "urgent", "resolution_hours": 2}, format="json")
    assert response.status_code == 201, response.content
    again = sales.post(f"{BASE}sla-policies/", {"priority": "urgent", "resolution_hours": 3}, format="json")
    assert again.status_code == 400
    response = sales.post(f"{BASE}settings/", {"letterhead_address": "1 Works Road", "quote_validity_days": 14},
                          format="json")
    assert response.status_code == 201, response.content
    assert sales.post(f"{BASE}settings/", {"quote_validity_days": 7}, format="json").status_code == 400
    SlaPolicy.objects.create(company=other_company, priority="low", resolution_hours=1)
    assert [row["priority"] for row in sales.get(f"{BASE}sla-policies/").json()["results"]] == ["urgent"]
    engineer = token_client(make_user(company, "Engineering"))
    assert engineer.post(f"{BASE}sla-policies/", {"priority": "low", "resolution_hours": 9},
                         format="json").status_code == 403
    assert SalesSettings.objects.get(company=company).quote_validity_days == 14


# ---- actions -----------------------------------------------------------------------------------------------------
@pytest.fixture
def api_sales(company, sales):
    return token_client(sales)


@pytest.mark.django_db
def test_qualify_then_qualify_again_answers_409(api_sales, company):
    lead = api_sales.post(f"{BASE}leads/", {"name": "Ana Ruiz", "company_name": "Ruiz SL"}, format="json").json()
    assert lead["allowed_transitions"] == ["contact", "qualify", "disqualify"]
    response = api_sales.post(f"{BASE}leads/{lead['id']}/qualify/", {"title": "Tractors", "amount": "900"},
                              format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["allowed_transitions"]) == ("qualified", [])
    opportunity = Opportunity.objects.get(pk=body["opportunity"])
    assert (opportunity.customer_id, opportunity.title, opportunity.amount) == (body["customer"], "Tractors", D(900))
    again = api_sales.post(f"{BASE}leads/{lead['id']}/qualify/", {}, format="json")
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["current"] == "qualified"
    assert Opportunity.objects.count() == 1


@pytest.mark.django_db
def test_duplicates_and_merge_through_the_api(api_sales, company, other_company):
    keep = LeadFactory(company=company, email="tom@fisher.example", phone="")
    gone = LeadFactory(company=company, email="TOM@fisher.example", phone="+44 1")
    theirs = LeadFactory(company=other_company, email="tom@fisher.example")
    found = api_sales.get(f"{BASE}leads/{keep.pk}/duplicates/").json()
    assert [row["id"] for row in found] == [gone.pk]
    refused = api_sales.post(f"{BASE}leads/{keep.pk}/merge/", {"duplicate": theirs.pk}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "duplicate"
    response = api_sales.post(f"{BASE}leads/{keep.pk}/merge/", {"duplicate": gone.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "+44 1"
    gone.refresh_from_db()
    assert (gone.status, gone.merged_into_id) == ("disqualified", keep.pk)


@pytest.mark.django_db
def test_win_lose_and_move_a_closed_opportunity_answers_409(api_sales, company, customer, stages):
    created = api_sales.post(f"{BASE}opportunities/", {"customer": customer.pk, "title": "Fleet", "amount": "500"},
                             format="json").json()
    assert (created["stage"], created["probability"], created["allowed_transitions"]) == (
        stages["Prospecting"].pk, "10.00", ["win", "lose"])
    url = f"{BASE}opportunities/{created['id']}/"
    moved = api_sales.post(f"{url}move/", {"stage": stages["Proposal"].pk}, format="json")
    assert (moved.status_code, moved.json()["probability"], moved.json()["stage_name"]) == (200, "50.00", "Proposal")
    no_reason = api_sales.post(f"{url}lose/", {}, format="json")
    assert (no_reason.status_code, no_reason.json()["errors"][0]["attr"]) == (400, "lost_reason")
    won = api_sales.post(f"{url}win/")
    assert (won.status_code, won.json()["status"], won.json()["allowed_transitions"]) == (200, "won", [])
    again = api_sales.post(f"{url}move/", {"stage": stages["Proposal"].pk}, format="json")
    assert again.status_code == 409
    assert again.json()["errors"][0]["attr"] == "status"
    assert api_sales.patch(url, {"title": "x"}, format="json").status_code == 409
    assert api_sales.get(url).json()["stage"] == stages["Won"].pk


@pytest.mark.django_db
def test_board_endpoint_columns_totals_and_cards(api_sales, company, customer, stages, sales, make_user):
    OpportunityFactory(company=company, customer=customer, stage=stages["Proposal"], amount=D("200.00"),
                       amount_company_currency=D("200.00"), probability=D(50), owner=sales)
    OpportunityFactory(company=company, customer=customer, stage=stages["Proposal"], amount=D("100.00"),
                       amount_company_currency=D("100.00"), probability=D(50))
    body = api_sales.get(f"{BASE}opportunities/board/").json()
    assert (body["company"], body["currency"]) == (company.pk, "EUR")
    assert [c["stage"]["name"] for c in body["columns"]] == ["Prospecting", "Qualification", "Proposal",
                                                             "Negotiation", "Won", "Lost"]
    proposal = body["columns"][2]
    assert (proposal["count"], proposal["total"], proposal["weighted_total"]) == (2, "300.00", "150.00")
    assert proposal["cards"][0]["customer_name"] == "Tractors Inc"
    mine = api_sales.get(f"{BASE}opportunities/board/", {"owner": "me"}).json()["columns"][2]
    assert (mine["count"], mine["total"]) == (1, "200.00")
    engineer = token_client(make_user(company, "Engineering"))
    assert engineer.get(f"{BASE}opportunities/board/").status_code == 200  # every role reads the pipeline


@pytest.mark.django_db
def test_forecast_endpoint(api_sales, company, customer, stages, sales):
    OpportunityFactory(company=company, customer=customer, stage=stages["Proposal"], amount=D("1000.00"),
                       amount_company_currency=D("1000.00"), probability=D(40), owner=sales,
                       expected_close=datetime.date(2026, 6, 30))
    SalesTargetFactory(company=company, owner=sales, month=datetime.date(2026, 6, 1), amount=D("2000.00"))
    body = api_sales.get(f"{BASE}forecast/", {"year": "2026"}).json()
    assert body["rows"] == [{"month": "2026-06-01", "owner": sales.pk, "owner_name": "sally", "pipeline": "1000.00",
                             "weighted": "400.00", "won": "0.00", "target": "2000.00",
                             "won_vs_target_percent": "0.00", "open_count": 1, "won_count": 0}]
    assert body["totals"]["weighted"] == "400.00"
    bad = api_sales.get(f"{BASE}forecast/", {"year": "soon"})
    assert (bad.status_code, bad.json()["errors"][0]["attr"]) == (400, "year")


@pytest.mark.django_db
def test_forecast_and_board_of_another_company_answer_404(api_sales, other_company):
    assert api_sales.get(f"{BASE}forecast/", {"year": "2026", "company": other_company.pk}).status_code == 404
    assert api_sales.get(f"{BASE}opportunities/board/", {"company": other_company.pk}).status_code == 404


@pytest.mark.django_db
def test_quote_lifecycle_pdf_and_available_to_promise(api_sales, company, customer, product, unreleased):
    StockQuantFactory(company=company, item=product, location=LocationFactory(company=company), on_hand=D(7),
                      reserved=D(1))
    refused = api_sales.post(f"{BASE}quotes/", {"customer": customer.pk, "lines": [
        {"item": product.pk, "quantity": "1", "unit_price": "5"},
        {"item": unreleased.pk, "quantity": "1", "unit_price": "5"}]}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0] == {"attr": "lines.1.item", "code": "not_released",
                                           "detail": "Line 2: PROTO-1 has no released revision and cannot be quoted."}
    created = api_sales.post(f"{BASE}quotes/", {"customer": customer.pk, "lines": [
        {"item": product.pk, "quantity": "3", "unit_price": "19.99", "discount_percent": "7.5", "tax_rate": "19"}]},
        format="json")
    assert created.status_code == 201, created.content
    quote = created.json()
    assert (quote["total"], quote["total_tax"], quote["total_with_tax"]) == ("55.47", "10.54", "66.01")
    assert quote["allowed_transitions"] == ["send"]
    url = f"{BASE}quotes/{quote['id']}/"
    assert api_sales.get(url).json()["lines"][0]["available_to_promise"] == "6.0000"
    assert api_sales.get(f"{BASE}quotes/").json()["results"][0]["lines"][0]["available_to_promise"] is None
    sent = api_sales.post(f"{url}send/").json()
    assert (sent["status"], sent["allowed_transitions"]) == ("sent", ["accept", "reject", "revise"])
    revised = api_sales.post(f"{url}revise/")
    assert revised.status_code == 200
    assert (revised.json()["number"], revised.json()["version"], revised.json()["status"]) == (
        quote["number"], 2, "draft")
    assert api_sales.get(url).json()["next_version"] == revised.json()["id"]
    assert api_sales.post(f"{url}accept/").status_code == 409  # v1 is superseded
    pdf = api_sales.get(f"{url}pdf/")
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_accepting_an_expired_quote_answers_409(api_sales, company, customer, product, sales):
    from apps.crm.services.quotes import quote_create, quote_send

    past = timezone.localdate() - datetime.timedelta(days=10)
    quote = quote_create(company=company, actor=sales, customer=customer, quote_date=past, valid_until=past,
                         lines=[{"item": product, "quantity": D(1), "unit_price": D(1)}])
    quote_send(quote=quote, actor=sales)
    response = api_sales.post(f"{BASE}quotes/{quote.pk}/accept/")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "expired"
    assert Quote.objects.get(pk=quote.pk).status == "sent"
    assert not Event.objects.filter(name="crm.quote.accepted").exists()


@pytest.mark.django_db
def test_submit_feedback_on_a_case_emits_the_event(api_sales, company, customer, product):
    case = api_sales.post(f"{BASE}cases/", {"customer": customer.pk, "subject": "Paint", "item": product.pk},
                          format="json").json()
    assert case["due_at"] is not None
    response = api_sales.post(f"{BASE}cases/{case['id']}/submit-feedback/", {"description": "Paint flakes"},
                              format="json")
    assert response.status_code == 200, response.content
    assert Event.objects.get(name="crm.feedback.submitted").payload["item_numbers"] == ["TR-1"]


@pytest.mark.django_db
def test_an_activity_about_another_companys_record_is_refused(api_sales, company, other_company):
    theirs = LeadFactory(company=other_company)
    response = api_sales.post(f"{BASE}activities/", {"subject": "Call", "due_at": "2030-01-01T10:00:00Z",
                                                     "target_type": "crm.lead", "target_id": theirs.pk},
                              format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "target_id"
    mine = LeadFactory(company=company)
    response = api_sales.post(f"{BASE}activities/", {"subject": "Call", "due_at": "2030-01-01T10:00:00Z",
                                                     "target_type": "crm.lead", "target_id": mine.pk},
                              format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["target_type"], response.json()["target_id"]) == ("crm.lead", mine.pk)
    listed = api_sales.get(f"{BASE}activities/", {"target_type": "crm.lead", "target_id": mine.pk}).json()
    assert listed["count"] == 1
    ActivityFactory(company=company, subject="Someone else's")
    assert [row["subject"] for row in api_sales.get(f"{BASE}activities/", {"mine": "true"}).json()["results"]] == [
        "Call"]


LEADS_CSV = (b"name,company_name,email,source,owner\n"
             b"Hanna Berg,Berg GmbH,h@berg.example,trade_show,sally\n"
             b",Nameless Ltd,nobody@x.example,web,\n"
             b"Tom,Fisher,not-an-email,carrier pigeon,ghost\n")


@pytest.mark.django_db
def test_import_dry_run_shows_row_errors_and_writes_nothing(api_sales, company):
    upload = SimpleUploadedFile("leads.csv", LEADS_CSV, content_type="text/csv")
    response = api_sales.post(f"{BASE}leads/import/", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["dry_run"], body["valid"], body["totals"]) == (True, False, {"create": 1, "update": 0,
                                                                            "unchanged": 0, "error": 2})
    assert body["rows"][1]["errors"] == {"name": "Required."}
    assert set(body["rows"][2]["errors"]) == {"email", "source", "owner"}
    assert not Lead.objects.exists()
    upload = SimpleUploadedFile("leads.csv", LEADS_CSV, content_type="text/csv")
    refused = api_sales.post(f"{BASE}leads/import/", {"file": upload, "dry_run": "false"}, format="multipart")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "rows.3.name"
    assert not Lead.objects.exists()


@pytest.mark.django_db
def test_customer_import_creates_and_updates(api_sales, company):
    existing = PartyFactory(company=company, name="Fisher Farms", is_customer=True)
    csv = (b"name,email,segment,industry,credit_limit,city,street,country,contact_name,owner\n"
           b"Berg GmbH,info@berg.example,,Agriculture,5000,Stuttgart,Hauptstr. 1,de,Hanna Berg,sally\n"
           b"fisher farms,,,Farming,,,,,,\n")
    upload = SimpleUploadedFile("customers.csv", csv, content_type="text/csv")
    response = api_sales.post(f"{BASE}customers/import/", {"file": upload, "dry_run": "false"}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["totals"] == {"create": 1, "update": 1, "unchanged": 0, "error": 0}
    berg = Party.objects.get(company=company, name="Berg GmbH")
    assert (berg.is_customer, berg.crm_profile.credit_limit, berg.crm_profile.owner.username) == (True, D(5000),
                                                                                                  "sally")
    assert (berg.addresses.get().country, berg.contacts.get().name) == ("DE", "Hanna Berg")
    existing.refresh_from_db()
    assert existing.crm_profile.industry == "Farming"
