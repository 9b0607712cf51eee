"""core's services and helpers: parties, memberships, invitations, units, workflow, records, audit snapshots."""

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile

from apps.core.audit import company_of, record_change, snapshot
from apps.core.errors import ConflictError, DomainError, PermissionDeniedError, TransitionNotAllowed
from apps.core.models import AuditRecord, Currency, Membership, Party, UnitOfMeasure
from apps.core.permissions import companies_with_perm, has_company_perm
from apps.core.services.companies import company_create, membership_remove, membership_set, user_invite
from apps.core.services.parties import party_create, party_update
from apps.core.services.records import record_delete, record_update
from apps.core.units import convert_quantity, convertible
from apps.core.workflow import Transition, Workflow, allowed_transitions, transition
from tests.core.factories import AttachmentFactory, PartyAddressFactory, PartyFactory
from tests.mixins import add_membership

pytestmark = pytest.mark.django_db


def unit(code: str) -> UnitOfMeasure:
    return UnitOfMeasure.objects.get(code=code)


# ---- parties -----------------------------------------------------------------------------------------------

def test_party_create_draws_consecutive_numbers_per_company(company, other_company, user):
    first = party_create(company=company, actor=user, name="Ferro AG", is_customer=True)
    second = party_create(company=company, actor=user, name="Bolt Ltd", is_supplier=True,
                          addresses=[{"street": "1 Mill St", "city": "Leeds", "country": "GB"}])
    foreign = party_create(company=other_company, actor=user, name="Elsewhere", is_customer=True)
    assert (first.number, second.number, foreign.number) == ("P-00001", "P-00002", "P-00001")
    assert list(second.addresses.values_list("city", "country")) == [("Leeds", "GB")]
    record = AuditRecord.objects.get(object_id=str(first.pk), content_type__model="party")
    assert (record.action, record.actor, record.company_id, record.before) == ("create", user, company.pk, None)
    assert record.after["number"] == "P-00001"


def test_party_must_be_customer_or_supplier(company, user):
    with pytest.raises(DomainError) as caught:
        party_create(company=company, actor=user, name="Nobody")
    assert caught.value.field == "is_customer"
    assert not Party.objects.exists()
    assert not AuditRecord.objects.filter(content_type__model="party").exists()


def test_failed_party_create_gives_its_number_back(company, user):
    with pytest.raises(DomainError) as caught:
        party_create(company=company, actor=user, name="Bad", is_customer=True, email="nope")
    assert caught.value.field == "email"
    assert party_create(company=company, actor=user, name="Good", is_customer=True).number == "P-00001"


def test_party_update_is_audited_with_before_and_after(company, user):
    party = party_create(company=company, actor=user, name="Ferro AG", is_customer=True)
    party_update(instance=party, actor=user, name="Ferro GmbH", number="HACKED", is_supplier=True)
    party.refresh_from_db()
    assert (party.name, party.number, party.is_supplier) == ("Ferro GmbH", "P-00001", True)
    record = AuditRecord.objects.filter(content_type__model="party", object_id=str(party.pk), action="update").get()
    assert (record.before["name"], record.after["name"]) == ("Ferro AG", "Ferro GmbH")
    assert dict((f, (b, a)) for f, b, a in record.changes) == {"name": ("Ferro AG", "Ferro GmbH"),
                                                               "is_supplier": (False, True)}


def test_party_update_cannot_drop_both_roles(company, user):
    party = PartyFactory(company=company, is_customer=True)
    with pytest.raises(DomainError) as caught:
        party_update(instance=party, actor=user, is_customer=False)
    assert caught.value.field == "is_customer"
    party.refresh_from_db()
    assert party.is_customer is True


def test_party_update_never_moves_between_companies(company, other_company, user):
    party = PartyFactory(company=company)
    party_update(instance=party, actor=user, company=other_company, name="Still mine")
    party.refresh_from_db()
    assert (party.company, party.name) == (company, "Still mine")


def test_update_with_children_replaces_them_and_names_bad_rows(company, user):
    party = PartyFactory(company=company)
    PartyAddressFactory(party=party, city="Old Town")
    with pytest.raises(DomainError) as caught:
        party_update(instance=party, actor=user, addresses=[{"street": "a", "city": "b", "country": "GB"},
                                                            {"street": "a", "city": "b", "country": "GBR"}])
    assert caught.value.field == "addresses.1.country"
    assert list(party.addresses.values_list("city", flat=True)) == ["Old Town"]  # nothing half-done


# ---- companies, memberships, invitations --------------------------------------------------------------------

def test_company_create_makes_the_creator_admin(user):
    company = company_create(code="new", name="New Co", currency=Currency.objects.get(code="USD"), actor=user)
    assert company.code == "NEW"
    assert Membership.objects.get(company=company, user=user).role.name == "Admin"


def test_rights_come_from_the_role_in_each_company_only(company, other_company):
    bob = User.objects.create_user("bob", password="pw-secret-123")
    sales, finance = Group.objects.get(name="Sales"), Group.objects.get(name="Finance")
    membership_set(company=company, user=bob, role=sales, actor=None)
    membership_set(company=other_company, user=bob, role=finance, actor=None)
    assert not bob.groups.exists()  # roles are never merged into global groups
    bob = User.objects.get(pk=bob.pk)
    assert has_company_perm(bob, "core.add_party", company)
    assert not has_company_perm(bob, "core.add_party", other_company)
    assert has_company_perm(bob, "core.add_exchangerate", other_company)
    assert not has_company_perm(bob, "core.add_exchangerate", company)
    assert companies_with_perm(bob, "core.add_party") == [company.pk]
    assert not bob.has_perm("core.add_party")  # no record and no active company: nothing
    assert bob.has_perm("core.add_party", PartyFactory(company=company))
    assert not bob.has_perm("core.add_party", PartyFactory(company=other_company))
    membership = membership_set(company=company, user=bob, role=finance, actor=None)
    assert not has_company_perm(bob, "core.add_party", company)  # the cache is dropped on change
    assert Membership.objects.filter(user=bob).count() == 2
    record = AuditRecord.objects.filter(content_type__model="membership", object_id=str(membership.pk),
                                        action="update").get()
    assert (record.before["role"], record.after["role"]) == (sales.pk, finance.pk)
    membership_remove(membership=Membership.objects.get(user=bob, company=other_company), actor=None)
    bob = User.objects.get(pk=bob.pk)  # the next request's user
    assert has_company_perm(bob, "core.add_exchangerate", company)
    assert not has_company_perm(bob, "core.add_exchangerate", other_company)


def test_only_the_companys_admin_manages_its_memberships(company, other_company, make_user):
    admin_elsewhere = make_user(other_company, "Admin")
    add_membership(admin_elsewhere, company, "Sales")
    admin_here = make_user(company, "Admin")
    target = make_user(company, "Sales")
    manager = Group.objects.get(name="Manager")
    membership = Membership.objects.get(user=target, company=company)
    with pytest.raises(PermissionDeniedError):
        membership_set(company=company, user=target, role=manager, actor=admin_elsewhere)
    with pytest.raises(PermissionDeniedError):
        membership_remove(membership=membership, actor=admin_elsewhere)
    membership.refresh_from_db()
    assert membership.role.name == "Sales"
    membership_set(company=company, user=target, role=manager, actor=admin_here)
    assert Membership.objects.get(pk=membership.pk).role == manager
    # granting a role here never widens the target's rights in another company
    add_membership(target, other_company, "Sales")
    membership_set(company=company, user=target, role=Group.objects.get(name="Admin"), actor=admin_here)
    target = User.objects.get(pk=target.pk)
    assert has_company_perm(target, "core.delete_membership", company)
    assert not has_company_perm(target, "core.delete_membership", other_company)
    assert not has_company_perm(target, "scm.approve_purchaseorder", other_company)


def test_the_last_admin_of_a_company_stays(company, make_user):
    admin = make_user(company, "Admin")
    membership = Membership.objects.get(user=admin, company=company)
    with pytest.raises(ConflictError) as caught:
        membership_set(company=company, user=admin, role=Group.objects.get(name="Sales"), actor=admin)
    assert caught.value.code == "last_admin"
    with pytest.raises(ConflictError):
        membership_remove(membership=membership, actor=admin)
    make_user(company, "Admin")
    membership_remove(membership=membership, actor=admin)
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_user_invite_creates_member_with_role(company, user):
    sales = Group.objects.get(name="Sales")
    membership = user_invite(company=company, username="carol", password="long-enough-1", role=sales, actor=user,
                             email="carol@example.com")
    carol = User.objects.get(username="carol")
    assert (membership.company, membership.user, membership.role) == (company, carol, sales)
    assert carol.check_password("long-enough-1")
    assert has_company_perm(User.objects.get(pk=carol.pk), "core.add_party", company)


@pytest.mark.parametrize(("username", "password", "field"), [("alice", "long-enough-1", "username"),
                                                              ("dave", "short", "password")])
def test_user_invite_errors_name_the_field(company, user, username, password, field):
    users = User.objects.count()
    with pytest.raises(DomainError) as caught:
        user_invite(company=company, username=username, password=password, role=Group.objects.get(name="Sales"),
                    actor=user)
    assert caught.value.field == field
    assert User.objects.count() == users
    assert Membership.objects.count() == 1


# ---- units -------------------------------------------------------------------------------------------------

def test_unit_conversion_within_a_category():
    assert convert_quantity(Decimal("2.5"), unit("kg"), unit("g")) == Decimal("2500")
    assert convert_quantity(Decimal("750"), unit("g"), unit("kg")) == Decimal("0.75")
    assert convert_quantity(Decimal("1.5"), unit("h"), unit("min")).quantize(Decimal("0.0001")) == Decimal("90.0000")
    assert convert_quantity(Decimal("30"), unit("min"), unit("h")).quantize(Decimal("0.0001")) == Decimal("0.5000")
    assert convert_quantity(Decimal("3"), unit("kg"), unit("kg")) == Decimal("3")
    assert convertible(unit("kg"), unit("t")) is True
    assert convertible(unit("kg"), unit("h")) is False


def test_converting_mass_to_time_raises_naming_the_field():
    with pytest.raises(DomainError) as caught:
        convert_quantity(Decimal(1), unit("kg"), unit("h"), field="lines.0.uom")
    assert caught.value.field == "lines.0.uom"
    assert caught.value.code == "uom_category_mismatch"
    assert caught.value.message == "Unit kg (Mass) cannot be converted to h (Time)."


# ---- workflow ----------------------------------------------------------------------------------------------

@dataclass
class Order:
    """A stand-in for a model with a status field and a transition table (its change permission is a party's)."""

    status: str = "draft"
    company_id: int | None = None

    workflow = Workflow("status", {
        "submit": Transition(sources=["draft"], target="submitted"),
        "approve": Transition(sources=["submitted"], target="approved", permission="core.change_event"),
        "cancel": Transition(sources=["draft", "submitted"], target="cancelled"),
    })

    class _meta:
        verbose_name = "order"
        app_label, model_name = "core", "party"


def test_transition_by_verb_and_by_target():
    order = Order()
    assert allowed_transitions(order) == ["submit", "cancel"]
    assert transition(order, verb="submit") == "draft"
    assert order.status == "submitted"
    assert allowed_transitions(order) == ["approve", "cancel"]
    assert transition(order, to="approved") == "submitted"
    assert (order.status, allowed_transitions(order)) == ("approved", [])


def test_illegal_transition_is_a_409_naming_the_states():
    order = Order(status="approved")
    with pytest.raises(TransitionNotAllowed) as caught:
        transition(order, verb="submit")
    assert caught.value.status_code == 409
    assert caught.value.field == "status"
    assert caught.value.extra == {"current": "approved", "requested": "submitted", "allowed_transitions": []}
    assert order.status == "approved"
    with pytest.raises(TransitionNotAllowed):
        transition(order, verb="explode")
    with pytest.raises(TransitionNotAllowed):
        transition(Order(), to="approved")


def test_allowed_transitions_follow_the_role_in_the_records_company(company, other_company, make_user):
    """Sales may change parties (cancel), a Manager may change events (approve): each only in its own company."""
    user = make_user(company, "Sales")
    add_membership(user, other_company, "Manager")
    assert allowed_transitions(Order(status="submitted", company_id=company.pk), user) == ["cancel"]
    assert allowed_transitions(Order(status="submitted", company_id=other_company.pk), user) == ["approve"]
    assert allowed_transitions(Order(status="submitted", company_id=None), user) == []


def test_object_without_workflow_is_a_type_error():
    with pytest.raises(TypeError):
        allowed_transitions(object())


# ---- records and audit -------------------------------------------------------------------------------------

def test_record_delete_of_a_protected_row_is_a_409(company, user):
    currency = Currency.objects.get(code="EUR")  # used by the company
    with pytest.raises(ConflictError) as caught:
        record_delete(instance=currency, actor=user)
    assert caught.value.status_code == 409
    assert caught.value.code == "protected"
    assert Currency.objects.filter(code="EUR").exists()


def test_protected_delete_through_the_api_is_409_and_leaves_no_audit(company, make_user, api_for):
    client = api_for(make_user(company, "Admin", is_superuser=True))
    currency = Currency.objects.get(code="EUR")
    response = client.delete(f"/api/v1/core/currencies/{currency.pk}/")
    assert response.status_code == 409
    assert response.json()["type"] == "urn:millwright:problem:protected"
    assert not AuditRecord.objects.filter(action="delete").exists()


def test_record_update_validates(user):
    currency = Currency.objects.get(code="USD")
    with pytest.raises(DomainError) as caught:
        record_update(instance=currency, actor=user, code="TOOLONG")
    assert caught.value.field == "code"
    currency.refresh_from_db()
    assert currency.code == "USD"


def test_snapshot_is_json_safe(company, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    party = PartyFactory(company=company, payment_terms_days=45)
    data = snapshot(party)
    assert json.loads(json.dumps(data)) == data
    assert (data["company"], data["payment_terms_days"], data["currency"]) == (company.pk, 45, None)
    assert "created_at" not in data
    attachment = AttachmentFactory(company=company, file=ContentFile(b"x", name="a.txt"))
    assert snapshot(attachment)["file"] == attachment.file.name
    from tests.core.factories import ExchangeRateFactory

    rate = snapshot(ExchangeRateFactory(rate=Decimal("1.5"), date=datetime.date(2026, 1, 2)))
    assert (rate["rate"], rate["date"]) == ("1.50000000", "2026-01-02")


def test_record_change_finds_the_company_through_company_path(company, user):
    address = PartyAddressFactory(party=PartyFactory(company=company))
    assert company_of(address) == company.pk
    assert company_of(company) == company.pk
    assert company_of(Currency.objects.get(code="EUR")) is None
    record = record_change(address, actor=user, action="update", before={"city": "A"})
    assert (record.company_id, record.content_type.model, record.object_id) == (company.pk, "partyaddress",
                                                                                 str(address.pk))


# ---- navigation ---------------------------------------------------------------------------------------------

def test_every_sidebar_entry_resolves_and_a_broken_one_fails_the_system_check():
    from apps.core import navigation

    assert navigation.check_menu_urls() == []
    navigation.register("PLM", "Broken screen", "plm:no_such_screen")
    try:
        errors = navigation.check_menu_urls()
        assert [(e.id, "plm:no_such_screen" in e.msg) for e in errors] == [("core.E001", True)]
    finally:
        entries = navigation._modules["PLM"].entries
        entries[:] = [e for e in entries if e.url_name != "plm:no_such_screen"]
