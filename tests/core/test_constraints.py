"""Model validation asks the database about all of a model's check constraints in one statement, and answers
exactly as Django's own validation (one savepoint and query per check) does."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from apps.mes.models import WorkCenter

pytestmark = pytest.mark.django_db


def errors(validate) -> dict | None:
    try:
        validate()
    except ValidationError as error:
        return error.message_dict
    return None


@pytest.mark.parametrize(("fields", "exclude"), [
    ({}, None),
    ({"hourly_rate": Decimal("-1")}, None),
    ({"capacity_hours_per_day": Decimal(25)}, None),
    ({"hourly_rate": Decimal("-1"), "capacity_hours_per_day": Decimal(-2)}, None),
    ({"hourly_rate": Decimal("-1"), "capacity_hours_per_day": Decimal(-2)}, {"hourly_rate"}),
    ({"machine_hourly_rate": Decimal("-0.5")}, {"capacity_hours_per_day"}),
    ({"code": "TAKEN"}, None),
    ({"code": "TAKEN", "hourly_rate": Decimal("-1")}, None),
])
def test_checks_are_answered_as_django_answers_them(company, fields, exclude):
    WorkCenter.objects.create(company=company, code="TAKEN", name="Taken")
    center = WorkCenter(company=company, name="New", **{"code": "NEW", **fields})
    ours = errors(lambda: center.validate_constraints(exclude=exclude))
    djangos = errors(lambda: models.Model.validate_constraints(center, exclude=exclude))
    assert ours == djangos
    if "hourly_rate" in fields and not exclude:
        assert ours
        assert any("rates_not_negative" in message for message in ours["__all__"])


def test_all_checks_in_one_statement(company):
    center = WorkCenter(company=company, code="NEW", name="New", capacity_hours_per_day=Decimal(30))
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(ValidationError, match="capacity_range"):
            center.validate_constraints()
    checks = [q["sql"] for q in queries.captured_queries if "COALESCE" in q["sql"]]
    assert len(checks) == 1
    assert checks[0].count("COALESCE") == 2
    with CaptureQueriesContext(connection) as django_queries:
        with pytest.raises(ValidationError):
            models.Model.validate_constraints(center)
    assert len(queries.captured_queries) < len(django_queries.captured_queries)


def test_clean_fields_reads_no_row_a_foreign_key_was_given_and_checks_a_key_given_by_id():
    """A key set to a row read from the database is not read again (one query a key saved); a key set by id is
    checked as Django does, and one naming no row is refused."""
    from apps.core.models import Company, Currency, Party
    from tests.core.factories import CompanyFactory

    company = Company.objects.get(pk=CompanyFactory().pk)
    currency = Currency.objects.get(code="EUR")
    party = Party(company=company, currency=currency, number="P-1", name="Acme")
    with CaptureQueriesContext(connection) as read:
        party.clean_fields()
    assert read.captured_queries == []

    by_id = Party(company_id=company.pk, currency_id=currency.pk, number="P-2", name="Acme")
    with CaptureQueriesContext(connection) as read:
        by_id.clean_fields()
    assert len(read.captured_queries) == 2  # one existence check per key given by id

    missing = Party(company_id=company.pk, currency_id=-1, number="P-3", name="Acme")
    assert list(errors(missing.clean_fields)) == ["currency"]
