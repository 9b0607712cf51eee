"""core's browser UI: the generic resource tests plus login, dashboard, exports, forms, switcher, chatter, flows."""

import csv
import datetime
import hashlib
import io

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.choices import DeliveryStatus
from apps.core.models import Attachment, AuditRecord, Company, Membership, Note, Party, PartyAddress, UomCategory
from apps.core.services.parties import party_create
from tests.core.factories import (
    ContactPersonFactory,
    CurrencyFactory,
    EventDeliveryFactory,
    EventFactory,
    ExchangeRateFactory,
    PartyAddressFactory,
    PartyFactory,
    UnitOfMeasureFactory,
)
from tests.mixins import (
    CompanyOwnedUIResourceTests,
    CreatableUIResourceTests,
    EditableUIResourceTests,
    SharedUIResourceTests,
)

pytestmark = pytest.mark.django_db

ADDRESS_ROW = {"addresses-0-kind": "billing", "addresses-0-street": "Hafenstr. 1", "addresses-0-city": "Bremen",
               "addresses-0-postal_code": "28195", "addresses-0-country": "DE"}


def party_form(**overrides) -> dict:
    data = {"name": "Ferro AG", "kind": "organization", "is_customer": "on", "email": "info@ferro.example",
            "payment_terms_days": "30", "addresses-TOTAL_FORMS": "0", "addresses-INITIAL_FORMS": "0",
            "contacts-TOTAL_FORMS": "0", "contacts-INITIAL_FORMS": "0"}
    data.update(overrides)
    return data


# ---- the generic resource tests ---------------------------------------------------------------------------

class TestPartyUI(CreatableUIResourceTests, EditableUIResourceTests, CompanyOwnedUIResourceTests):
    url_prefix = "core:party"
    factory = PartyFactory
    inline_prefixes = ["addresses", "contacts"]
    child_factories = [(PartyAddressFactory, "party"), (ContactPersonFactory, "party")]
    create_form_data = party_form()
    update_form_data = party_form(name="Ferro GmbH", is_supplier="on")
    allowed_role, denied_role = "Sales", "Engineering"


class TestCurrencyUI(CreatableUIResourceTests, EditableUIResourceTests, SharedUIResourceTests):
    url_prefix = "core:currency"
    factory = CurrencyFactory
    create_form_data = {"code": "NOK", "name": "Norwegian krone", "decimals": "2"}
    update_form_data = {"code": "NOK", "name": "Norwegian crown", "decimals": "2"}
    allowed_role, denied_role = "Finance", "Sales"


class TestUnitOfMeasureUI(CreatableUIResourceTests, EditableUIResourceTests, SharedUIResourceTests):
    url_prefix = "core:uom"
    factory = UnitOfMeasureFactory
    allowed_role, denied_role = "Admin", "Finance"

    @staticmethod
    def create_form_data(company):
        return {"code": "kt", "name": "kilotonne", "category": UomCategory.objects.get(name="Mass").pk,
                "factor": "1000000"}

    @staticmethod
    def update_form_data(company):
        return {"code": "kt2", "name": "kilotonne", "category": UomCategory.objects.get(name="Mass").pk,
                "factor": "1000000"}


class TestExchangeRateUI(CreatableUIResourceTests, EditableUIResourceTests, CompanyOwnedUIResourceTests):
    url_prefix = "core:exchangerate"
    factory = ExchangeRateFactory
    allowed_role, denied_role = "Finance", "Sales"

    @staticmethod
    def create_form_data(company):
        from apps.core.models import Currency

        return {"base": Currency.objects.get(code="EUR").pk, "quote": Currency.objects.get(code="GBP").pk,
                "date": "2026-02-01", "rate": "0.85"}

    @staticmethod
    def update_form_data(company):
        from apps.core.models import Currency

        return {"base": Currency.objects.get(code="EUR").pk, "quote": Currency.objects.get(code="GBP").pk,
                "date": "2030-02-01", "rate": "0.86"}


# ---- login, dashboard -------------------------------------------------------------------------------------

def test_login_page_and_login(client, user):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "alice", "password": "pw-secret-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_wrong_password_shows_the_error(client, user):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert b"didn&#x27;t match" in response.content or b"didn't match" in response.content


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("core:party_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_flow_monitor_counts_the_active_companys_deliveries(web, company, other_company):
    EventDeliveryFactory(event=EventFactory(company=company), status=DeliveryStatus.DEAD)
    EventDeliveryFactory(event=EventFactory(company=other_company), status=DeliveryStatus.DEAD)
    response = web.get(reverse("core:event_list"))
    assert response.status_code == 200
    assert response.context["delivery_counts"] == {"pending": 0, "dead": 1, "done": 0}
    home = web.get(reverse("home"))
    assert b"Acme Manufacturing" in home.content
    assert b"deliveries-done" not in home.content  # technical counters live on the flow monitor


# ---- list: search, filter, sort, export --------------------------------------------------------------------

@pytest.fixture
def parties(company):
    return [PartyFactory(company=company, name="Zeta Steel", is_supplier=True, is_customer=False),
            PartyFactory(company=company, name="Alpha Gears"),
            PartyFactory(company=company, name="Beta Bolts", kind="person")]


def shown(response) -> list[str]:
    return [row.record.name for row in response.context["table"].page.object_list]


def test_party_list_search_filter_sort(web, parties):
    url = reverse("core:party_list")
    assert shown(web.get(url)) == ["Alpha Gears", "Beta Bolts", "Zeta Steel"]
    assert shown(web.get(url, {"q": "gear"})) == ["Alpha Gears"]
    assert shown(web.get(url, {"is_supplier": "true"})) == ["Zeta Steel"]
    assert shown(web.get(url, {"kind": "person"})) == ["Beta Bolts"]
    assert shown(web.get(url, {"sort": "-name"})) == ["Zeta Steel", "Beta Bolts", "Alpha Gears"]


def test_csv_export_has_the_filtered_rows(web, parties):
    response = web.get(reverse("core:party_list"), {"_export": "csv", "q": "a", "sort": "name"})
    assert response.status_code == 200
    assert "parties.csv" in response["Content-Disposition"] or "partys.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["Number", "Name"]
    assert [r[1] for r in rows[1:]] == ["Alpha Gears", "Beta Bolts", "Zeta Steel"]


def test_xlsx_export(web, parties, other_company):
    PartyFactory(company=other_company, name="Hidden Corp")
    response = web.get(reverse("core:party_list"), {"_export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["Alpha Gears", "Beta Bolts", "Zeta Steel"]


def test_supplier_list_shows_only_suppliers_of_the_company(web, parties, other_company):
    PartyFactory(company=other_company, name="Foreign Supplier", is_supplier=True)
    response = web.get(reverse("core:supplier_list"))
    assert shown(response) == ["Zeta Steel"]


# ---- detail and forms --------------------------------------------------------------------------------------

def test_detail_shows_history_panel_with_the_create_record(web, company, user):
    party = party_create(company=company, actor=user, name="Ferro AG", is_customer=True)
    response = web.get(reverse("core:party_detail", args=[party.pk]))
    assert response.status_code == 200
    timeline = response.context["timeline"]
    assert [(e["kind"], e["item"].action) for e in timeline] == [("history", "create")]
    assert b"<b>created</b>" in response.content


def test_create_form_with_inline_address(web, company):
    response = web.post(reverse("core:party_create"), party_form(**{"addresses-TOTAL_FORMS": "1"}, **ADDRESS_ROW))
    assert response.status_code == 302
    party = Party.objects.get()
    assert response["Location"] == reverse("core:party_detail", args=[party.pk])
    assert (party.number, party.name, party.company_id) == ("P-00001", "Ferro AG", company.pk)
    assert list(party.addresses.values_list("street", "city", "country")) == [("Hafenstr. 1", "Bremen", "DE")]
    assert AuditRecord.objects.filter(content_type__model="party", object_id=str(party.pk),
                                      action="create").count() == 1


def test_invalid_create_form_answers_400_with_the_error_and_writes_nothing(web):
    data = party_form(email="not-an-email", **{"addresses-TOTAL_FORMS": "1"}, **ADDRESS_ROW)
    response = web.post(reverse("core:party_create"), data)
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    assert b"Enter a valid email address." in response.content
    assert not Party.objects.exists()
    assert not PartyAddress.objects.exists()


def test_service_rule_error_is_shown_on_the_field(web):
    data = party_form()
    data.pop("is_customer")
    response = web.post(reverse("core:party_create"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["is_customer"] == ["A party must be a customer, a supplier or both."]
    assert not Party.objects.exists()


def test_inline_row_error_is_shown_on_the_row(web):
    row = {**ADDRESS_ROW, "addresses-0-country": "DEU"}
    response = web.post(reverse("core:party_create"), party_form(**{"addresses-TOTAL_FORMS": "1"}, **row))
    assert response.status_code == 400
    formset = dict((inline.related_name, fs) for inline, fs in response.context["formsets"])["addresses"]
    assert "country" in formset.forms[0].errors
    assert not Party.objects.exists()


def test_edit_form_keeps_unchanged_address_rows(web, company):
    party = PartyFactory(company=company, name="Ferro AG")
    address = PartyAddressFactory(party=party, street="Hafenstr. 1", city="Bremen", country="DE")
    page = web.get(reverse("core:party_update", args=[party.pk]))
    assert page.status_code == 200
    data = party_form(name="Ferro GmbH", **{
        "addresses-TOTAL_FORMS": "2", "addresses-INITIAL_FORMS": "1",
        "addresses-0-id": str(address.pk), "addresses-0-party": str(party.pk), "addresses-0-kind": "billing",
        "addresses-0-street": "Hafenstr. 1", "addresses-0-city": "Bremen", "addresses-0-postal_code": "S1 2AB",
        "addresses-0-country": "DE", "addresses-1-kind": "billing",  # the browser's empty extra row
    })
    response = web.post(reverse("core:party_update", args=[party.pk]), data)
    assert response.status_code == 302, response.context and [fs.errors for _i, fs in response.context["formsets"]]
    party.refresh_from_db()
    assert party.name == "Ferro GmbH"
    assert list(party.addresses.values_list("street", "city")) == [("Hafenstr. 1", "Bremen")]
    record = AuditRecord.objects.filter(content_type__model="party", object_id=str(party.pk), action="update").get()
    assert ("name", "Ferro AG", "Ferro GmbH") in record.changes


def test_edit_form_deletes_a_row_marked_for_deletion(web, company):
    party = PartyFactory(company=company)
    address = PartyAddressFactory(party=party)
    data = party_form(name=party.name, **{
        "addresses-TOTAL_FORMS": "1", "addresses-INITIAL_FORMS": "1",
        "addresses-0-id": str(address.pk), "addresses-0-party": str(party.pk), "addresses-0-kind": "billing",
        "addresses-0-street": address.street, "addresses-0-city": address.city,
        "addresses-0-postal_code": address.postal_code, "addresses-0-country": "GB", "addresses-0-DELETE": "on",
    })
    assert web.post(reverse("core:party_update", args=[party.pk]), data).status_code == 302
    assert not party.addresses.exists()


# ---- company switcher --------------------------------------------------------------------------------------

def test_company_switcher_changes_what_the_list_shows(web, user, company, other_company):
    from django.contrib.auth.models import Group

    from apps.core.services.companies import membership_set

    membership_set(company=other_company, user=user, role=Group.objects.get(name="Sales"), actor=None)
    PartyFactory(company=company, name="Mine")
    PartyFactory(company=other_company, name="Theirs")
    assert shown(web.get(reverse("core:party_list"))) == ["Mine"]
    response = web.post(reverse("core:switch_company"), {"company": other_company.pk, "next": "/core/parties/"})
    assert response.status_code == 302
    assert response["Location"] == "/core/parties/"
    assert shown(web.get(reverse("core:party_list"))) == ["Theirs"]


def test_switching_to_a_company_you_do_not_belong_to_is_403(web, company, other_company):
    PartyFactory(company=other_company, name="Theirs")
    assert web.post(reverse("core:switch_company"), {"company": other_company.pk}).status_code == 403
    assert shown(web.get(reverse("core:party_list"))) == []


def test_switcher_ignores_an_offsite_next(web, company):
    response = web.post(reverse("core:switch_company"), {"company": company.pk, "next": "https://evil.example/"})
    assert response["Location"] == "/"


# ---- chatter: notes and attachments ------------------------------------------------------------------------

def chatter_url(kind: str, obj) -> str:
    return reverse(f"core:chatter_{kind}", args=[ContentType.objects.get_for_model(obj).pk, obj.pk])


def test_add_note_through_htmx_renders_the_panel(web, company, user):
    party = PartyFactory(company=company)
    response = web.post(chatter_url("note", party), {"body": "  Called them.  "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    note = Note.objects.get()
    assert (note.body, note.author, note.company_id, note.object_id) == ("Called them.", user, company.pk,
                                                                          str(party.pk))
    assert b"Called them." in response.content


def test_empty_note_shows_an_error_and_writes_nothing(web, company):
    party = PartyFactory(company=company)
    response = web.post(chatter_url("note", party), {"body": "   "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.context["error"] == "body: A note cannot be empty."
    assert b"A note cannot be empty." in response.content
    assert not Note.objects.exists()


def test_attachment_records_sha256_and_size(web, company, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    party = PartyFactory(company=company)
    content = b"drawing rev A\n" * 10
    upload = SimpleUploadedFile("drawing.txt", content, content_type="text/plain")
    response = web.post(chatter_url("attachment", party), {"file": upload}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    attachment = Attachment.objects.get()
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert (attachment.size, attachment.name, attachment.company_id) == (len(content), "drawing.txt", company.pk)
    download = web.get(reverse("core:attachment_download", args=[attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content


def test_empty_attachment_is_refused(web, company, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    party = PartyFactory(company=company)
    upload = SimpleUploadedFile("empty.txt", b"", content_type="text/plain")
    response = web.post(chatter_url("attachment", party), {"file": upload}, HTTP_HX_REQUEST="true")
    assert response.context["error"] == "file: The file is empty."
    assert not Attachment.objects.exists()


def test_chatter_on_another_companys_record_is_404(web, other_company):
    theirs = PartyFactory(company=other_company)
    assert web.post(chatter_url("note", theirs), {"body": "hi"}).status_code == 404
    assert not Note.objects.exists()


# ---- flow monitor ------------------------------------------------------------------------------------------

def test_flow_monitor_list_detail_and_replay(web, company, other_company, django_capture_on_commit_callbacks):
    event = EventFactory(company=company, name="plm.revision.released")
    dead = EventDeliveryFactory(event=event, status=DeliveryStatus.DEAD, attempts=3, last_error="boom")
    hidden = EventFactory(company=other_company)
    listing = web.get(reverse("core:event_list"))
    assert [row.record.pk for row in listing.context["table"].page.object_list] == [event.pk]
    assert [row.record.pk for row in web.get(reverse("core:event_list"), {"status": "dead"})
            .context["table"].page.object_list] == [event.pk]
    assert list(web.get(reverse("core:event_list"), {"status": "done"}).context["table"].page.object_list) == []
    detail = web.get(reverse("core:event_detail", args=[event.pk]))
    assert detail.status_code == 200
    assert [button.verb for button in detail.context["actions"]] == ["replay"]
    assert b"boom" in detail.content
    assert web.get(reverse("core:event_detail", args=[hidden.pk])).status_code == 404
    with django_capture_on_commit_callbacks() as callbacks:
        response = web.post(reverse("core:event_action", args=[event.pk, "replay"]))
    assert response.status_code == 302
    assert len(callbacks) == 1
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (DeliveryStatus.PENDING, 0)
    assert AuditRecord.objects.filter(action="replay", object_id=str(event.pk)).count() == 1


def test_flow_monitor_hides_replay_when_all_done(web, company):
    event = EventFactory(company=company)
    EventDeliveryFactory(event=event, status=DeliveryStatus.DONE)
    assert web.get(reverse("core:event_detail", args=[event.pk])).context["actions"] == []
    assert web.post(reverse("core:event_action", args=[event.pk, "replay"])).status_code == 404
    assert not AuditRecord.objects.filter(action="replay").exists()


def test_replay_without_permission_is_403(client, company, make_user):
    event = EventFactory(company=company)
    EventDeliveryFactory(event=event, status=DeliveryStatus.DEAD)
    client.force_login(make_user(company, "Sales"))
    assert client.post(reverse("core:event_action", args=[event.pk, "replay"])).status_code == 403
    assert event.deliveries.get().status == DeliveryStatus.DEAD


# ---- users and roles ---------------------------------------------------------------------------------------

def test_invite_a_user_with_a_role(web, company):
    from django.contrib.auth.models import Group

    sales = Group.objects.get(name="Sales")
    assert web.get(reverse("core:membership_create")).status_code == 200
    response = web.post(reverse("core:membership_create"), {"username": "bob", "email": "bob@example.com",
                                                           "password": "long-enough-1", "role": sales.pk})
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="bob")
    assert (membership.company, membership.role) == (company, sales)
    bob = User.objects.get(username="bob")
    assert bob.check_password("long-enough-1")
    assert not bob.groups.exists()
    assert response["Location"] == reverse("core:membership_detail", args=[membership.pk])
    listing = web.get(reverse("core:membership_list"))
    assert "bob" in [str(row.record.user) for row in listing.context["table"].page.object_list]


def test_adding_a_member_twice_shows_the_error(web, company, user):
    from django.contrib.auth.models import Group

    response = web.post(reverse("core:membership_create"), {"username": "alice", "password": "long-enough-1",
                                                           "role": Group.objects.get(name="Sales").pk})
    assert response.status_code == 400
    assert response.context["form"].errors["username"] == [
        "alice is already a member of ACME; change their role instead."]
    assert Membership.objects.count() == 1


def test_an_existing_user_of_another_company_is_added_by_name(web, company, other_company, make_user):
    from django.contrib.auth.models import Group

    olga = make_user(other_company, "Admin", username="olga")
    response = web.post(reverse("core:membership_create"), {"username": "olga", "role": Group.objects.get(
        name="Sales").pk})
    assert response.status_code == 302
    assert Membership.objects.get(user=olga, company=company).role.name == "Sales"
    assert Membership.objects.get(user=olga, company=other_company).role.name == "Admin"
    missing = web.post(reverse("core:membership_create"), {"username": "nobody", "role": Group.objects.get(
        name="Sales").pk})
    assert missing.status_code == 400
    assert "give a password" in missing.context["form"].errors["username"][0]


def test_admin_changes_a_role_and_removes_a_member(web, company, make_user):
    from django.contrib.auth.models import Group

    bob = make_user(company, "Sales", username="bob")
    membership = Membership.objects.get(user=bob)
    response = web.post(reverse("core:membership_update", args=[membership.pk]),
                        {"role": Group.objects.get(name="Manager").pk})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role.name == "Manager"
    response = web.post(reverse("core:membership_action", args=[membership.pk, "remove"]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_role_without_permission_cannot_invite(client, company, make_user):
    from django.contrib.auth.models import Group

    client.force_login(make_user(company, "Sales"))
    response = client.post(reverse("core:membership_create"), {"username": "eve", "password": "long-enough-1",
                                                               "role": Group.objects.get(name="Admin").pk})
    assert response.status_code == 403
    assert not User.objects.filter(username="eve").exists()


def test_exchange_rate_date_is_a_date(web):
    rate = ExchangeRateFactory(date=datetime.date(2026, 4, 1), company=Company.objects.get(code="ACME"))
    assert b"2026" in web.get(reverse("core:exchangerate_detail", args=[rate.pk])).content


def test_form_page_has_no_nested_form(web):
    """A nested <form> ends the outer one early in a browser: inline rows and Save would fall outside it."""
    html = web.get(reverse("core:party_create")).content.decode()
    start = html.index('<form method="post" enctype="multipart/form-data"')
    body = html[start + 1:html.index("</form>", start)]
    assert "<form" not in body
    for needle in ('name="addresses-0-street"', 'name="name"', ">Save</button>"):
        assert needle in body
