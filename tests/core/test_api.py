"""core's REST API: the generic resource tests plus auth, pagination, errors, sync, idempotency, schema."""

import datetime
from decimal import Decimal

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.core.choices import DeliveryStatus
from apps.core.models import AuditRecord, IdempotencyRecord, Party, UomCategory
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
    CompanyOwnedAPIResourceTests,
    DeletableAPIResourceTests,
    FilterableAPIResourceTests,
    SharedAPIResourceTests,
)

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
PARTIES = "/api/v1/core/parties/"


def assert_problem(response, status: int) -> dict:
    """The response is RFC 9457 problem+json with the suite's keys; returns the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    assert body["status"] == status
    assert body["type"].startswith("urn:millwright:problem:")
    for error in body["errors"]:
        assert set(error) == {"attr", "code", "detail"}
    return body


# ---- the generic resource tests ---------------------------------------------------------------------------

class TestPartyAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = PARTIES
    factory = PartyFactory
    create_payload = {"name": "Ferro AG", "is_customer": True, "email": "info@ferro.example", "kind": "organization",
                      "addresses": [{"kind": "billing", "street": "Hafenstr. 1", "city": "Bremen",
                                     "postal_code": "28195", "country": "DE"}]}
    update_payload = {"name": "Ferro GmbH", "is_supplier": True}
    allowed_role, denied_role, delete_role = "Sales", "Engineering", "Admin"
    child_factories = [(PartyAddressFactory, "party"), (ContactPersonFactory, "party")]
    filter_cases = [
        ({"is_supplier": "true"}, {"is_supplier": True}, {"is_supplier": False}),
        ({"kind": "person"}, {"kind": "person"}, {"kind": "organization"}),
        ({"search": "zebra"}, {"name": "Zebra Works"}, {"name": "Ant Ltd"}),
        ({"name__icontains": "gear"}, {"name": "Big Gears"}, {"name": "Small Bolts"}),
    ]
    max_list_queries = 8


class TestCurrencyAPI(DeletableAPIResourceTests, SharedAPIResourceTests, FilterableAPIResourceTests):
    list_url = "/api/v1/core/currencies/"
    factory = CurrencyFactory
    create_payload = {"code": "NOK", "name": "Norwegian krone", "decimals": 2}
    update_payload = {"name": "Norwegian crown"}
    allowed_role, denied_role = "Finance", "Admin"
    filter_cases = [({"search": "krone"}, {"code": "DKK", "name": "Danish krone"}, {"code": "PLN", "name": "Zloty"})]
    max_list_queries = 5


class TestUnitOfMeasureAPI(DeletableAPIResourceTests, SharedAPIResourceTests, FilterableAPIResourceTests):
    list_url = "/api/v1/core/uoms/"
    factory = UnitOfMeasureFactory
    allowed_role, denied_role = "Sales", "Admin"
    filter_cases = [({"search": "furlong"}, {"code": "fur", "name": "furlong"}, {"code": "ch", "name": "chain"})]
    update_payload = {"name": "kilotonne (metric)"}
    max_list_queries = 5

    @staticmethod
    def create_payload(company):
        return {"code": "kt", "name": "kilotonne", "category": UomCategory.objects.get(name="Mass").pk,
                "factor": "1000000.0000000000"}


class TestExchangeRateAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = "/api/v1/core/exchange-rates/"
    factory = ExchangeRateFactory
    allowed_role, denied_role = "Finance", "Sales"
    update_payload = {"rate": "1.09000000"}
    filter_cases = [({"date": "2026-05-05"}, {"date": datetime.date(2026, 5, 5)}, {"date": datetime.date(2026, 5, 6)})]
    max_list_queries = 5

    @staticmethod
    def create_payload(company):
        from apps.core.models import Currency

        return {"base": Currency.objects.get(code="EUR").pk, "quote": Currency.objects.get(code="CHF").pk,
                "date": "2026-03-01", "rate": "0.94500000"}


# ---- auth --------------------------------------------------------------------------------------------------

def test_token_auth_then_token_header_grants_access(user, company):
    PartyFactory(company=company, name="Ferro AG")
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": "pw-secret-123"}, format="json")
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert token == Token.objects.get(user=user).key
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listing = client.get(PARTIES)
    assert listing.status_code == 200
    assert [p["name"] for p in listing.json()["results"]] == ["Ferro AG"]


def test_token_with_wrong_password_is_refused(user):
    response = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": "nope"}, format="json")
    body = assert_problem(response, 400)
    assert not Token.objects.filter(user=user).exists()
    assert body["errors"][0]["code"] == "authorization"


def test_no_credentials_answers_401_problem(db):
    body = assert_problem(APIClient().get(PARTIES), 401)
    assert body["errors"] == []


def test_bad_token_answers_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert_problem(client.get(PARTIES), 401)


# ---- pagination, ordering, incremental sync ----------------------------------------------------------------

def test_page_size_is_capped_at_500(api, company):
    Party.objects.bulk_create([Party(company=company, number=f"P-B{i:05d}", name=f"Bulk {i:04d}", is_customer=True)
                               for i in range(501)])
    first = api.get(PARTIES, {"page_size": 1000, "ordering": "name"}).json()
    assert first["count"] == 501
    assert len(first["results"]) == 500
    assert first["results"][0]["name"] == "Bulk 0000"
    second = api.get(first["next"]).json()
    assert [p["name"] for p in second["results"]] == ["Bulk 0500"]
    assert second["next"] is None


def test_default_page_size_is_50(api, company):
    Party.objects.bulk_create([Party(company=company, number=f"P-B{i:05d}", name=f"Bulk {i}", is_customer=True)
                               for i in range(51)])
    body = api.get(PARTIES).json()
    assert (body["count"], len(body["results"])) == (51, 50)


def test_ordering(api, company):
    for name in ["Bravo", "Alpha", "Charlie"]:
        PartyFactory(company=company, name=name)
    names = [p["name"] for p in api.get(PARTIES, {"ordering": "-name"}).json()["results"]]
    assert names == ["Charlie", "Bravo", "Alpha"]


def test_updated_after_returns_rows_changed_after_the_moment(api, company):
    old, recent = PartyFactory(company=company, name="Old"), PartyFactory(company=company, name="Recent")
    moment = timezone.now()
    Party.objects.filter(pk=old.pk).update(updated_at=moment - datetime.timedelta(hours=1))
    Party.objects.filter(pk=recent.pk).update(updated_at=moment + datetime.timedelta(seconds=1))
    response = api.get(PARTIES, {"updated_after": moment.isoformat()})
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [recent.pk]


@pytest.mark.parametrize("value", ["yesterday", "2026-13-45T00:00:00Z"])
def test_bad_updated_after_answers_400_naming_the_parameter(api, value):
    body = assert_problem(api.get(PARTIES, {"updated_after": value}), 400)
    assert [e["attr"] for e in body["errors"]] == ["updated_after"]


# ---- problem+json ------------------------------------------------------------------------------------------

def test_invalid_email_answers_400_naming_email(api):
    response = api.post(PARTIES, {"name": "Ferro", "is_customer": True, "email": "not-an-email"}, format="json")
    body = assert_problem(response, 400)
    assert [e["attr"] for e in body["errors"]] == ["email"]
    assert body["errors"][0]["code"] == "invalid"
    assert not Party.objects.exists()


def test_nested_address_error_names_the_row_and_field(api):
    payload = {"name": "Ferro", "is_customer": True,
               "addresses": [{"street": "Hafenstr. 1", "city": "Bremen", "country": "DEU"}]}
    body = assert_problem(api.post(PARTIES, payload, format="json"), 400)
    assert [e["attr"] for e in body["errors"]] == ["addresses.0.country"]
    assert body["errors"][0]["code"] == "max_length"
    assert not Party.objects.exists()


def test_service_rule_answers_400_naming_the_field(api):
    body = assert_problem(api.post(PARTIES, {"name": "Nobody"}, format="json"), 400)
    assert [e["attr"] for e in body["errors"]] == ["is_customer"]
    assert not Party.objects.exists()


def test_403_is_problem_json(company, make_user, api_for):
    client = api_for(make_user(company, "Engineering"))
    body = assert_problem(client.post(PARTIES, {"name": "X", "is_customer": True}, format="json"), 403)
    assert body["errors"] == []
    assert not Party.objects.exists()


def test_404_is_problem_json(api):
    assert_problem(api.get(f"{PARTIES}999999/"), 404)


def test_unknown_api_path_is_problem_json(api):
    assert_problem(api.get("/api/v1/core/no-such-thing/"), 404)


def test_replaying_an_event_whose_deliveries_are_done_answers_409(api, company):
    event = EventFactory(company=company)
    EventDeliveryFactory(event=event, status=DeliveryStatus.DONE, attempts=1)
    body = assert_problem(api.post(f"/api/v1/core/events/{event.pk}/replay/"), 409)
    assert body["type"] == "urn:millwright:problem:nothing_to_replay"
    assert event.deliveries.get().status == DeliveryStatus.DONE
    assert not AuditRecord.objects.filter(action="replay").exists()


def test_replay_puts_dead_deliveries_back_to_pending(api, company, django_capture_on_commit_callbacks):
    event = EventFactory(company=company)
    dead = EventDeliveryFactory(event=event, status=DeliveryStatus.DEAD, attempts=3, last_error="boom")
    done = EventDeliveryFactory(event=event, status=DeliveryStatus.DONE, attempts=1)
    with django_capture_on_commit_callbacks() as callbacks:
        response = api.post(f"/api/v1/core/events/{event.pk}/replay/")
    assert response.status_code == 200, response.content
    assert len(callbacks) == 1  # the dispatch is sent after commit
    dead.refresh_from_db()
    done.refresh_from_db()
    assert (dead.status, dead.attempts) == (DeliveryStatus.PENDING, 0)
    assert (done.status, done.attempts) == (DeliveryStatus.DONE, 1)


def test_replay_needs_change_permission(company, make_user, api_for):
    event = EventFactory(company=company)
    EventDeliveryFactory(event=event, status=DeliveryStatus.DEAD)
    client = api_for(make_user(company, "Sales"))
    assert_problem(client.post(f"/api/v1/core/events/{event.pk}/replay/"), 403)
    assert event.deliveries.get().status == DeliveryStatus.DEAD


def test_decimals_travel_as_strings(api, company):
    rate = ExchangeRateFactory(rate=Decimal("1.23450000"), company=company)
    assert api.get(f"/api/v1/core/exchange-rates/{rate.pk}/").json()["rate"] == "1.23450000"


# ---- Idempotency-Key ---------------------------------------------------------------------------------------

def test_same_idempotency_key_and_body_replays_the_first_response(api):
    payload = {"name": "Ferro AG", "is_customer": True}
    first = api.post(PARTIES, payload, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    second = api.post(PARTIES, payload, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Party.objects.count() == 1
    assert AuditRecord.objects.filter(action="create", object_id=str(first.json()["id"])).count() == 1


def test_same_idempotency_key_with_another_body_answers_422(api):
    api.post(PARTIES, {"name": "Ferro AG", "is_customer": True}, format="json", HTTP_IDEMPOTENCY_KEY="key-2")
    response = api.post(PARTIES, {"name": "Other", "is_customer": True}, format="json", HTTP_IDEMPOTENCY_KEY="key-2")
    body = assert_problem(response, 422)
    assert body["type"] == "urn:millwright:problem:idempotency_key_reused"
    assert list(Party.objects.values_list("name", flat=True)) == ["Ferro AG"]


def test_idempotency_keys_are_per_user(api, company, make_user, api_for):
    payload = {"name": "Ferro AG", "is_customer": True}
    api.post(PARTIES, payload, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    other = api_for(make_user(company, "Sales"))
    response = other.post(PARTIES, payload, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Party.objects.count() == 2


def test_failed_request_with_a_key_replays_its_error(api):
    first = api.post(PARTIES, {"name": "Nobody"}, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    second = api.post(PARTIES, {"name": "Nobody"}, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    assert first.status_code == second.status_code == 400
    assert second["Content-Type"] == PROBLEM
    assert second.json() == first.json()
    assert IdempotencyRecord.objects.get(key="bad").status_code == 400


# ---- schema, docs, health ----------------------------------------------------------------------------------

def test_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "openapi.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert "/api/v1/core/parties/" in schema["paths"]
    assert "/api/v1/core/events/{id}/replay/" in schema["paths"]


def test_schema_and_docs_are_served_offline(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/core/parties/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr.net" not in html
    assert "unpkg.com" not in html


def test_health_answers_200(client):
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
