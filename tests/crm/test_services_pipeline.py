"""The pipeline: default stages, opportunities moved, won and lost; closed ones refuse every move (409)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import DomainError, TransitionNotAllowed
from apps.core.models import AuditRecord, Currency, Event, ExchangeRate
from apps.crm.models import PipelineStage, TimelineEntry
from apps.crm.services.pipeline import (
    DEFAULT_STAGES,
    opportunity_create,
    opportunity_lose,
    opportunity_move,
    opportunity_update,
    opportunity_win,
    pipeline_stage_update,
    pipeline_stages_ensure,
)
from tests.crm.factories import PipelineStageFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_the_default_pipeline_is_created_once_on_first_use(company, other_company):
    first = pipeline_stages_ensure(company=company)
    again = pipeline_stages_ensure(company=company)
    assert [(s.name, s.order, s.probability, s.is_won, s.is_lost) for s in first] == [
        (name, order, D(probability), won, lost) for name, order, probability, won, lost in DEFAULT_STAGES]
    assert [s.pk for s in again] == [s.pk for s in first]
    assert PipelineStage.objects.filter(company=other_company).count() == 0


def test_create_starts_in_the_first_open_stage_with_its_probability_and_converts(company, customer, sales, stages):
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.create(company=company, base=usd, quote=company.currency, date=timezone.localdate(),
                                rate=D("0.90000000"))
    opportunity = opportunity_create(company=company, actor=sales, customer=customer, title="Fleet",
                                     amount=D("1000.00"), currency=usd)
    assert opportunity.number.startswith(f"OP-{timezone.localdate().year}-")
    assert (opportunity.stage, opportunity.probability, opportunity.status) == (stages["Prospecting"], D(10), "open")
    assert (opportunity.exchange_rate, opportunity.amount_company_currency) == (D("0.9"), D("900.00"))
    assert opportunity.weighted_amount == D("90.00")


def test_a_currency_without_a_rate_is_refused_naming_it(company, customer, sales, stages):
    with pytest.raises(DomainError) as caught:
        opportunity_create(company=company, actor=sales, customer=customer, title="X", amount=D(1),
                           currency=Currency.objects.get(code="CHF"))
    assert caught.value.code == "no_exchange_rate"
    assert "CHF" in caught.value.message


def test_move_sets_the_stage_and_its_probability_and_audits(company, customer, sales, stages):
    opportunity = opportunity_create(company=company, actor=sales, customer=customer, title="Fleet", amount=D(500))
    moved = opportunity_move(opportunity=opportunity, stage=stages["Negotiation"], actor=sales)
    assert (moved.stage, moved.probability, moved.status) == (stages["Negotiation"], D(75), "open")
    record = AuditRecord.objects.get(content_type__model="opportunity", object_id=str(opportunity.pk), action="move")
    assert (record.before["stage"], record.after["stage"]) == (stages["Prospecting"].pk, stages["Negotiation"].pk)


def test_moving_into_the_won_stage_wins_with_event_and_one_timeline_entry(company, customer, sales, stages):
    opportunity = opportunity_create(company=company, actor=sales, customer=customer, title="Fleet", amount=D(500))
    won = opportunity_move(opportunity=opportunity, stage=stages["Won"], actor=sales)
    assert (won.status, won.stage, won.probability, won.closed_on) == ("won", stages["Won"], D(100),
                                                                       timezone.localdate())
    event = Event.objects.get(name="crm.opportunity.won")
    assert event.payload["number"] == won.number
    assert event.payload["customer_id"] == customer.pk
    entry = TimelineEntry.objects.get(customer=customer)
    assert (entry.kind, entry.source_event_id, entry.amount) == ("opportunity_won", event.pk, D("500.00"))


@pytest.mark.parametrize("close", ["win", "lose"])
def test_a_won_or_lost_opportunity_refuses_moves_edits_and_closing_again(close, company, customer, sales, stages):
    opportunity = opportunity_create(company=company, actor=sales, customer=customer, title="Fleet", amount=D(500))
    if close == "win":
        opportunity_win(opportunity=opportunity, actor=sales)
    else:
        opportunity_lose(opportunity=opportunity, actor=sales, lost_reason="Price")
    events = Event.objects.count()
    for attempt in (lambda: opportunity_move(opportunity=opportunity, stage=stages["Proposal"], actor=sales),
                    lambda: opportunity_update(instance=opportunity, actor=sales, title="Changed"),
                    lambda: opportunity_win(opportunity=opportunity, actor=sales),
                    lambda: opportunity_lose(opportunity=opportunity, actor=sales, lost_reason="x"),
                    lambda: opportunity_lose(opportunity=opportunity, actor=sales)):
        with pytest.raises(TransitionNotAllowed) as caught:
            attempt()
        assert caught.value.status_code == 409
    opportunity.refresh_from_db()
    assert (opportunity.title, opportunity.stage.is_won, opportunity.status) == ("Fleet", close == "win",
                                                                                 "won" if close == "win" else "lost")
    assert Event.objects.count() == events


def test_losing_needs_a_reason(company, customer, sales, stages):
    opportunity = opportunity_create(company=company, actor=sales, customer=customer, title="Fleet")
    with pytest.raises(DomainError) as caught:
        opportunity_lose(opportunity=opportunity, actor=sales, lost_reason=" ")
    assert caught.value.field == "lost_reason"
    with pytest.raises(DomainError):
        opportunity_move(opportunity=opportunity, stage=stages["Lost"], actor=sales)
    lost = opportunity_move(opportunity=opportunity, stage=stages["Lost"], actor=sales, lost_reason="Competitor")
    assert (lost.status, lost.lost_reason, lost.probability) == ("lost", "Competitor", D(0))


def test_another_companys_stage_or_customer_is_refused(company, other_company, customer, sales, stages):
    theirs = PipelineStageFactory(company=other_company)
    opportunity = opportunity_create(company=company, actor=sales, customer=customer, title="Fleet")
    with pytest.raises(DomainError) as caught:
        opportunity_move(opportunity=opportunity, stage=theirs, actor=sales)
    assert caught.value.field == "stage"
    with pytest.raises(DomainError):
        opportunity_create(company=other_company, actor=sales, customer=customer, title="X")


def test_a_stage_with_opportunities_keeps_its_won_or_lost_flag(company, customer, sales, stages):
    opportunity_create(company=company, actor=sales, customer=customer, title="Fleet", stage=stages["Proposal"],
                       expected_close=datetime.date(2026, 5, 1))
    with pytest.raises(DomainError) as caught:
        pipeline_stage_update(instance=stages["Proposal"], actor=sales, is_lost=True)
    assert caught.value.status_code == 409
    renamed = pipeline_stage_update(instance=stages["Proposal"], actor=sales, name="Offer", probability=D(40))
    assert (renamed.name, renamed.probability) == ("Offer", D(40))
