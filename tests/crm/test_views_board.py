"""The pipeline board's drag and drop (`crm:opportunity_drop`, the API's `opportunity_move` behind it) and the
forecast's charts: a drop persists the stage or is refused with the service's message, never a 500."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditRecord, Event
from apps.crm.models import Opportunity
from apps.crm.services.pipeline import opportunity_win
from tests.crm.factories import OpportunityFactory, SalesTargetFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def web_sales(client, sales):
    client.force_login(sales)
    return client


@pytest.fixture
def deal(company, customer, stages, sales):
    return OpportunityFactory(company=company, customer=customer, stage=stages["Qualification"], title="Fleet",
                              amount=D("1000.00"), probability=D(25), owner=sales)


def drop(client, opportunity, stage, **extra):
    return client.post(reverse("crm:opportunity_drop", args=[opportunity.pk]),
                       {"stage": getattr(stage, "pk", stage), **extra})


def audit_actions(opportunity) -> list[str]:
    return list(AuditRecord.objects.filter(content_type__model="opportunity", object_id=str(opportunity.pk))
                .order_by("id").values_list("action", flat=True))


def test_drop_on_an_open_stage_moves_the_opportunity(web_sales, deal, stages):
    response = drop(web_sales, deal, stages["Negotiation"])
    assert response.status_code == 200
    assert response.json() == {"ok": True, "message": f"{deal.number} moved to Negotiation.",
                               "status": str(stages["Negotiation"].pk)}
    deal.refresh_from_db()
    assert (deal.stage, deal.probability, deal.status) == (stages["Negotiation"], D("75.00"), "open")
    assert audit_actions(deal) == ["move"]
    assert not Event.objects.exists()  # a move between open stages tells nobody


def test_drop_on_won_wins_once_and_on_lost_needs_the_reason(web_sales, deal, company, customer, stages):
    response = drop(web_sales, deal, stages["Won"])
    assert (response.status_code, response.json()["message"]) == (200, f"{deal.number} won.")
    deal.refresh_from_db()
    assert (deal.stage, deal.status, deal.probability) == (stages["Won"], "won", D(100))
    assert list(Event.objects.values_list("name", flat=True)) == ["crm.opportunity.won"]

    other = OpportunityFactory(company=company, customer=customer, stage=stages["Proposal"])
    refused = drop(web_sales, other, stages["Lost"])
    assert refused.status_code == 400
    assert refused.json() == {"ok": False, "message": "Say why the opportunity was lost.",
                              "status": str(stages["Proposal"].pk)}
    assert Opportunity.objects.get(pk=other.pk).status == "open"
    lost = drop(web_sales, other, stages["Lost"], lost_reason="  Price  ")
    assert (lost.status_code, lost.json()["status"]) == (200, str(stages["Lost"].pk))
    other.refresh_from_db()
    assert (other.status, other.lost_reason) == ("lost", "Price")
    assert sorted(Event.objects.values_list("name", flat=True)) == ["crm.opportunity.lost", "crm.opportunity.won"]


def test_drop_of_a_won_opportunity_is_the_services_409(web_sales, deal, stages, sales):
    opportunity_win(opportunity=deal, actor=sales)
    before, events = audit_actions(deal), Event.objects.count()
    response = drop(web_sales, deal, stages["Proposal"])
    assert response.status_code == 409
    assert response.json() == {"ok": False, "status": str(stages["Won"].pk),
                               "message": f"{deal.number} is won: it no longer moves or changes."}
    assert Opportunity.objects.get(pk=deal.pk).stage == stages["Won"]
    assert (audit_actions(deal), Event.objects.count()) == (before, events)


def test_drop_without_the_change_right_is_403(client, company, make_user, deal, stages):
    client.force_login(make_user(company, "Engineering"))  # reads CRM, changes nothing
    board = client.get(reverse("crm:board"))
    assert board.status_code == 200
    assert board.context["board"]["can_move"] is False
    assert "data-move=" not in board.content.decode()
    response = drop(client, deal, stages["Proposal"])
    assert response.status_code == 403
    assert response.json()["ok"] is False
    assert Opportunity.objects.get(pk=deal.pk).stage == stages["Qualification"]
    assert audit_actions(deal) == []


def test_drop_of_another_companys_opportunity_is_404(web_sales, other_company, stages):
    theirs = OpportunityFactory(company=other_company)
    response = drop(web_sales, theirs, stages["Proposal"])
    assert response.status_code == 404
    assert response.json() == {"ok": False, "message": "There is no such opportunity in this company.",
                               "status": ""}
    assert Opportunity.objects.get(pk=theirs.pk).stage == theirs.stage


@pytest.mark.parametrize("stage", ["", "abc", "999999999", "99999999999999999999999", "-1"])
def test_drop_on_an_unknown_stage_is_a_clear_400(web_sales, deal, stage):
    response = drop(web_sales, deal, stage)
    assert response.status_code == 400
    assert response.json()["message"] == "There is no such stage in this pipeline."
    assert Opportunity.objects.get(pk=deal.pk).stage == deal.stage


def test_drop_on_another_companys_stage_is_a_clear_400(web_sales, deal, other_company):
    theirs = OpportunityFactory(company=other_company).stage
    assert drop(web_sales, deal, theirs).status_code == 400
    assert Opportunity.objects.get(pk=deal.pk).stage == deal.stage


def test_drop_answers_only_posts(web_sales, deal):
    assert web_sales.get(reverse("crm:opportunity_drop", args=[deal.pk])).status_code == 405


def test_board_cards_carry_the_drop_url_and_the_columns_their_totals(web_sales, deal, stages, company):
    OpportunityFactory(company=company, customer=deal.customer, stage=stages["Qualification"], amount=D("2500.00"),
                       probability=D(50))
    response = web_sales.get(reverse("crm:board"))
    page = response.content.decode()
    board = response.context["board"]
    assert (board["can_move"], board["move_field"]) == (True, "stage")
    qualification = next(c for c in board["columns"] if c["label"] == "Qualification")
    assert (qualification["count"], qualification["summary"]) == (2, f"3,500.00 · weighted 1,500.00 "
                                                                      f"{company.currency.code}")
    assert f'data-move="{reverse("crm:opportunity_drop", args=[deal.pk])}"' in page
    assert f'data-status="{stages["Lost"].pk}" aria-label="Lost" data-prompt="Why was it lost?"' in page
    moves = json.loads(re.search(r'<script id="kanban-moves" type="application/json">(.*?)</script>', page,
                                 re.S).group(1))
    assert moves[str(stages["Proposal"].pk)][str(stages["Won"].pk)]["confirm"].startswith("Mark this opportunity")
    assert str(stages["Won"].pk) not in moves  # a closed opportunity has no drop to confirm


def test_board_fragment_is_the_board_alone_in_constant_queries(web_sales, deal, company, customer, stages):
    url = reverse("crm:board")
    with CaptureQueriesContext(connection) as few:
        assert web_sales.get(url, HTTP_HX_REQUEST="true").status_code == 200
    for index in range(30):
        OpportunityFactory(company=company, customer=customer, stage=stages["Proposal"], title=f"More {index}")
    with CaptureQueriesContext(connection) as many:
        response = web_sales.get(url, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<div class="kanban"')
    assert "<html" not in page
    assert len(many) == len(few)
    assert page.count('data-testid="card"') == 21  # 20 of Proposal's 30, and the deal
    assert f'href="{reverse("crm:opportunity_list")}?stage={stages["Proposal"].pk}">30 in all' in page


def test_board_owner_filter(web_sales, deal, company, customer, stages, sales, make_user):
    someone = make_user(company, "Sales", username="bob")
    OpportunityFactory(company=company, customer=customer, stage=stages["Qualification"], owner=someone)
    counts = {param: next(c["count"] for c in web_sales.get(reverse("crm:board"), {"owner": param})
                          .context["board"]["columns"] if c["label"] == "Qualification")
              for param in ("all", "me", str(someone.pk), "99999999999999")}
    assert counts == {"all": 2, "me": 1, str(someone.pk): 1, "99999999999999": 2}
    page = web_sales.get(reverse("crm:board"), {"owner": str(someone.pk)}).content.decode()
    assert f'<option value="{someone.pk}" selected>bob</option>' in page
    assert f"?stage={stages['Qualification'].pk}&amp;owner={someone.pk}" in page


def test_forecast_renders_the_chart_canvases_and_their_data(web_sales, company, customer, stages, sales):
    OpportunityFactory(company=company, customer=customer, stage=stages["Proposal"], amount=D("800.00"),
                       probability=D(50), owner=sales, expected_close=datetime.date(2026, 2, 10))
    SalesTargetFactory(company=company, owner=sales, month=datetime.date(2026, 2, 1), amount=D("1200.00"))
    response = web_sales.get(reverse("crm:forecast"), {"year": "2026"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-chart="chart-forecast-months"' in page
    assert 'data-chart="chart-forecast-owners"' in page
    assert "chart.umd.min.js" in page

    def chart(dom_id):
        found = re.search(rf'<script id="{dom_id}" type="application/json">(.*?)</script>', page, re.S)
        return json.loads(found.group(1))

    months = chart("chart-forecast-months")
    assert months["labels"][:2] == ["2026-01", "2026-02"]
    assert [(s["label"], s.get("type"), s["data"][1]) for s in months["datasets"]] == [
        ("Weighted pipeline", None, 400.0), ("Won", None, 0.0), ("Target", "line", 1200.0)]
    assert months["unit"] == company.currency.code
    owners = chart("chart-forecast-owners")
    assert owners["labels"] == ["sally"]
    assert [s["data"] for s in owners["datasets"]] == [[400.0], [0.0], [1200.0]]
    assert 'data-testid="forecast-months"' in page  # the table stays below the charts
    assert "1,200.00" in page


def test_board_won_column_says_it_shows_the_latest(web_sales, deal, company, customer, stages):
    with CaptureQueriesContext(connection) as few:
        web_sales.get(reverse("crm:board"))
    for index in range(22):
        OpportunityFactory(company=company, customer=customer, stage=stages["Won"], status=stages["Won"].status,
                           title=f"Won {index}", closed_on=timezone.localdate() - datetime.timedelta(days=index))
    with CaptureQueriesContext(connection) as many:
        page = web_sales.get(reverse("crm:board")).content.decode()
    won = page[page.index(f'data-status="{stages["Won"].pk}"'):page.index(f'data-status="{stages["Lost"].pk}"')]
    assert "The 20 latest shown; 22 in all" in won
    assert won.index(" Won 0<") < won.index(" Won 1<")  # closed today before closed yesterday
    assert f"Closed:</span> {timezone.localdate():%Y-%m-%d}" in won  # when it closed, not when it was expected to
    assert "Expected close" not in won
    assert len(many) == len(few)  # the closing dates come with the cards
