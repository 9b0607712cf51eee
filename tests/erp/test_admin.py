"""ERP admin: posted entries are read-only there; the actions post, reverse, close and reopen through services."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.erp.models import JournalEntry, Period
from apps.erp.services.accounts import account_for, chart_of_accounts_ensure
from apps.erp.services.entries import journal_entry_create, post_entry
from apps.erp.services.periods import period_close, period_for
from tests.erp.factories import JournalFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def admin_client(client, company, make_user):
    client.force_login(make_user(company, "Finance", is_staff=True))
    return client


def _lines(company, amount="10"):
    return [{"account": account_for(company=company, rule="bank"), "debit": Decimal(amount)},
            {"account": account_for(company=company, rule="equity"), "credit": Decimal(amount)}]


def test_posted_entries_are_read_only_and_drafts_are_posted_by_the_action(admin_client, company, accountant):
    chart_of_accounts_ensure(company=company)
    journal = JournalFactory(company=company)
    posted = post_entry(company=company, journal=journal, date=DAY, memo="p", actor=accountant,
                        lines=_lines(company))
    draft = journal_entry_create(company=company, actor=accountant, journal=journal, date=DAY,
                                 lines=_lines(company))
    page = admin_client.get(reverse("admin:erp_journalentry_change", args=[posted.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert admin_client.post(reverse("admin:erp_journalentry_change", args=[posted.pk]),
                             {"memo": "x"}).status_code == 403
    assert admin_client.post(reverse("admin:erp_journalentry_delete", args=[posted.pk]),
                             {"post": "yes"}).status_code == 403
    admin_client.post(reverse("admin:erp_journalentry_changelist"),
                      {"action": "post_entries", "_selected_action": [draft.pk, posted.pk]})
    assert JournalEntry.objects.get(pk=draft.pk).status == "posted"
    admin_client.post(reverse("admin:erp_journalentry_changelist"),
                      {"action": "reverse_entries", "_selected_action": [posted.pk]})
    assert JournalEntry.objects.get(pk=posted.pk).status == "reversed"
    assert JournalEntry.objects.get(pk=posted.pk).memo == "p"


def test_period_actions_follow_the_roles(admin_client, company, accountant, make_user, client):
    period = period_close(period=period_for(company=company, date=DAY), actor=accountant)
    admin_client.post(reverse("admin:erp_period_changelist"),
                      {"action": "reopen_periods", "_selected_action": [period.pk]})
    assert Period.objects.get(pk=period.pk).status == "closed"


def test_every_erp_model_is_in_the_admin():
    from django.apps import apps
    from django.contrib import admin

    assert [m.__name__ for m in apps.get_app_config("erp").get_models() if m not in admin.site._registry] == []


def test_a_fiscal_year_is_never_deleted_in_the_admin(client, company, make_user):
    from django.contrib.auth.models import User

    from apps.erp.models import FiscalYear
    from apps.erp.services.periods import fiscal_year_create

    year = fiscal_year_create(company=company, year=2026)
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-secret-123"))
    assert client.post(reverse("admin:erp_fiscalyear_delete", args=[year.pk]), {"post": "yes"}).status_code == 403
    assert FiscalYear.objects.filter(pk=year.pk).exists()
    assert Period.objects.filter(fiscal_year=year).count() == 12
