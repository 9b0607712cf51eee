"""Leads: duplicates (e-mail case-insensitive, normalized company), merge, qualify in one transaction, once."""

from decimal import Decimal

import pytest

from apps.core.errors import ConflictError, DomainError, TransitionNotAllowed
from apps.core.models import AuditRecord, ContactPerson, Currency, Party
from apps.crm.models import Activity, CustomerProfile, Lead, Opportunity
from apps.crm.selectors import lead_duplicates
from apps.crm.services.activities import activity_create
from apps.crm.services.leads import company_key, lead_create, lead_disqualify, lead_merge, lead_qualify, lead_update
from tests.core.factories import PartyFactory
from tests.crm.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("name", "key"), [
    ("ACME Ltd.", "acme"), ("Acme", "acme"), ("The Acme Company", "acme"), ("Müller & Söhne GmbH", "muller and sohne"),
    ("  Nordic   Wind-Systems AS ", "nordic wind systems"), ("", ""),
])
def test_company_key_normalizes_legal_forms_case_accents_and_punctuation(name, key):
    assert company_key(name) == key


def test_duplicates_match_email_case_insensitively_or_the_normalized_company(company, other_company, sales):
    lead = lead_create(company=company, actor=sales, name="Tom Fisher", company_name="Fisher Farms Ltd",
                       email="Tom@FisherFarms.example")
    same_email = lead_create(company=company, actor=sales, name="T. Fisher", email="tom@fisherfarms.example")
    same_company = lead_create(company=company, actor=sales, name="Anna Fisher", company_name="FISHER FARMS")
    lead_create(company=company, actor=sales, name="Someone", company_name="Fisher Farming", email="x@y.example")
    LeadFactory(company=other_company, email="tom@fisherfarms.example", company_name="Fisher Farms")
    assert list(lead_duplicates(lead=lead)) == [same_email, same_company]
    assert list(lead_duplicates(lead=same_email)) == [lead]


def test_qualify_creates_customer_profile_contact_and_opportunity_in_one_step(company, sales, stages):
    lead = lead_create(company=company, actor=sales, name="Hanna Berg", company_name="Berg Landtechnik GmbH",
                       email="h.berg@berg.example", phone="+49 1", source="trade_show")
    lead = lead_qualify(lead=lead, actor=sales, title="5 tractors", amount=Decimal("12250"))
    assert lead.status == "qualified"
    party = lead.customer
    assert (party.name, party.is_customer, party.kind, party.email) == ("Berg Landtechnik GmbH", True,
                                                                        "organization", "h.berg@berg.example")
    assert CustomerProfile.objects.get(party=party).owner == sales
    assert (lead.contact.party, lead.contact.name, lead.contact.email) == (party, "Hanna Berg", "h.berg@berg.example")
    opportunity = lead.opportunity
    assert (opportunity.customer, opportunity.contact, opportunity.title, opportunity.amount) == (
        party, lead.contact, "5 tractors", Decimal("12250.00"))
    assert (opportunity.stage, opportunity.probability, opportunity.owner) == (stages["Prospecting"],
                                                                               Decimal("10.00"), sales)
    assert AuditRecord.objects.filter(object_id=str(lead.pk), content_type__model="lead",
                                      action="qualify").count() == 1


def test_qualify_reuses_the_existing_customer_and_contact(company, sales):
    existing = PartyFactory(company=company, name="Fisher Farms", email="office@fisher.example")
    ContactPerson.objects.create(party=existing, name="Tom", email="TOM@fisher.example")
    lead = lead_create(company=company, actor=sales, name="Tom Fisher", company_name="fisher farms",
                       email="tom@fisher.example")
    lead = lead_qualify(lead=lead, actor=sales)
    assert lead.customer == existing
    assert existing.contacts.count() == 1
    assert Party.objects.filter(company=company).count() == 1


def test_qualifying_twice_answers_409_and_creates_nothing_more(company, sales):
    lead = lead_qualify(lead=lead_create(company=company, actor=sales, name="Ana", company_name="Ruiz SL"),
                        actor=sales)
    counts = (Party.objects.count(), Opportunity.objects.count(), ContactPerson.objects.count())
    with pytest.raises(TransitionNotAllowed) as caught:
        lead_qualify(lead=lead, actor=sales)
    assert caught.value.status_code == 409
    assert caught.value.extra["current"] == "qualified"
    assert (Party.objects.count(), Opportunity.objects.count(), ContactPerson.objects.count()) == counts


def test_qualify_is_one_transaction_a_failing_opportunity_leaves_no_party(company, sales):
    lead = lead_create(company=company, actor=sales, name="Ana", company_name="Ruiz SL")
    usd = Currency.objects.get(code="USD")  # the company has no USD rate: the opportunity cannot be converted
    with pytest.raises(DomainError) as caught:
        lead_qualify(lead=lead, actor=sales, amount=Decimal(100), currency=usd)
    assert caught.value.code == "no_exchange_rate"
    assert not Party.objects.filter(company=company).exists()
    assert not ContactPerson.objects.exists()
    lead.refresh_from_db()
    assert lead.status == "new"


def test_merge_fills_blanks_moves_activities_and_disqualifies_the_duplicate(company, sales):
    keep = lead_create(company=company, actor=sales, name="Tom Fisher", company_name="Fisher Farms",
                       email="tom@fisher.example", notes="Met at the fair.")
    gone = lead_create(company=company, actor=sales, name="Tom Fisher", company_name="Fisher Farms Ltd",
                       email="TOM@fisher.example", phone="+44 20 1", notes="Asked for a brochure.")
    task = activity_create(company=company, actor=sales, subject="Call Tom", due_at=gone.created_at,
                           target_type="crm.lead", target_id=gone.pk)
    kept = lead_merge(lead=keep, duplicate=gone, actor=sales)
    gone.refresh_from_db()
    assert (kept.phone, kept.notes) == ("+44 20 1", "Met at the fair.\n\nAsked for a brochure.")
    assert (gone.status, gone.merged_into, gone.disqualified_reason) == ("disqualified", keep,
                                                                         f"Duplicate of lead {keep.pk}, merged.")
    assert Activity.objects.get(pk=task.pk).target_id == keep.pk
    assert list(lead_duplicates(lead=keep)) == []
    assert list(AuditRecord.objects.filter(content_type__model="lead", object_id=str(gone.pk))
                .values_list("action", flat=True).order_by("id")) == ["create", "merged"]


def test_merge_refuses_itself_a_qualified_duplicate_and_another_companys_lead(company, other_company, sales):
    keep = lead_create(company=company, actor=sales, name="A", email="a@x.example")
    with pytest.raises(DomainError) as caught:
        lead_merge(lead=keep, duplicate=keep, actor=sales)
    assert caught.value.field == "duplicate"
    qualified = lead_qualify(lead=lead_create(company=company, actor=sales, name="B", email="a@x.example"),
                             actor=sales)
    with pytest.raises(ConflictError):
        lead_merge(lead=keep, duplicate=qualified, actor=sales)
    theirs = LeadFactory(company=other_company)
    with pytest.raises(DomainError) as caught:
        lead_merge(lead=keep, duplicate=theirs, actor=sales)
    assert caught.value.message == "Belongs to another company."
    theirs.refresh_from_db()
    assert theirs.merged_into is None


def test_closed_leads_are_not_edited(company, sales):
    lead = lead_disqualify(lead=lead_create(company=company, actor=sales, name="A"), actor=sales, reason="No budget")
    assert lead.disqualified_reason == "No budget"
    with pytest.raises(ConflictError):
        lead_update(instance=lead, actor=sales, name="B")
    assert Lead.objects.get(pk=lead.pk).name == "A"


def test_a_lead_needs_a_name_and_an_owner_of_the_company(company, other_company, sales, make_user):
    with pytest.raises(DomainError) as caught:
        lead_create(company=company, actor=sales, name="  ")
    assert caught.value.field == "name"
    with pytest.raises(DomainError) as caught:
        lead_create(company=company, actor=sales, name="A", owner=make_user(other_company, "Sales"))
    assert (caught.value.field, caught.value.code) == ("owner", "not_a_member")
