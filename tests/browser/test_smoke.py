"""The smoke path a new user takes, in a real browser: log in, dashboard, create a party, find it, its history."""

import pytest

from apps.core.models import AuditRecord, Party

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_login_create_party_and_see_its_history(page, user, company):
    page.goto("/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-secret-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    assert page.locator("h1").inner_text().startswith("Home")

    page.goto("/core/parties/new/")
    page.fill("#id_name", "Ferro AG")
    page.check("#id_is_customer")
    page.fill("#id_email", "info@ferro.example")
    page.fill("[name=addresses-0-street]", "Hafenstr. 1")
    page.fill("[name=addresses-0-city]", "Bremen")
    page.fill("[name=addresses-0-country]", "DE")
    page.click("form button[type=submit]:has-text('Save')")
    page.wait_for_url("**/core/parties/*/")
    assert "P-00001 Ferro AG" in page.locator("h1").inner_text()

    party = Party.objects.get(company=company)
    assert (party.number, party.name, party.email) == ("P-00001", "Ferro AG", "info@ferro.example")
    assert list(party.addresses.values_list("street", "city", "country")) == [("Hafenstr. 1", "Bremen", "DE")]

    page.goto("/core/parties/")
    page.click("table >> text=P-00001")
    page.wait_for_url(f"**/core/parties/{party.pk}/")
    history = page.locator("[data-testid=chatter] .timeline-history")
    assert history.count() == 1
    assert "alice" in history.first.inner_text()
    assert "create" in history.first.inner_text()
    history_rows = AuditRecord.objects.filter(object_id=str(party.pk), content_type__model="party")
    assert list(history_rows.values_list("action", flat=True)) == ["create"]
