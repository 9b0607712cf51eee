"""The board and the forecast: exact figures, and query counts that do not grow with the opportunities."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.crm.selectors import BOARD_CARDS, pipeline_board, sales_forecast
from tests.crm.factories import OpportunityFactory, SalesTargetFactory

pytestmark = pytest.mark.django_db
D = Decimal


def opp(company, stage, amount, probability, close=None, owner=None, **extra):
    return OpportunityFactory(company=company, stage=stage, amount=D(amount), amount_company_currency=D(amount),
                              probability=D(probability), expected_close=close, owner=owner,
                              status=stage.status, **extra)


@pytest.fixture
def bob(company, make_user):
    return make_user(company, "Sales", username="bob")


def test_board_columns_in_stage_order_with_counts_totals_weighted_totals_and_cards(company, stages, sales, bob):
    today = timezone.localdate()
    a = opp(company, stages["Prospecting"], "1000.00", "10", today + datetime.timedelta(days=10), sales)
    b = opp(company, stages["Prospecting"], "2500.50", "10", today + datetime.timedelta(days=5), bob)
    c = opp(company, stages["Proposal"], "999.99", "33.33", None, sales)
    opp(company, stages["Won"], "4000.00", "100", owner=sales)
    opp(company, stages["Lost"], "700.00", "0", owner=bob)
    board = pipeline_board(company=company)
    assert [(col.stage.name, col.count, col.total, col.weighted_total) for col in board] == [
        ("Prospecting", 2, D("3500.50"), D("350.05")),   # 100.00 + 250.05
        ("Qualification", 0, D("0.00"), D("0.00")),
        ("Proposal", 1, D("999.99"), D("333.30")),       # 999.99 x 33.33 % = 333.296667
        ("Negotiation", 0, D("0.00"), D("0.00")),
        ("Won", 1, D("4000.00"), D("4000.00")),
        ("Lost", 1, D("700.00"), D("0.00")),
    ]
    assert [o.pk for o in board[0].cards] == [b.pk, a.pk]  # by expected close
    assert [o.pk for o in board[2].cards] == [c.pk]
    mine = pipeline_board(company=company, owner=sales)
    assert [(col.count, col.total) for col in mine] == [(1, D("1000.00")), (0, D("0.00")), (1, D("999.99")),
                                                        (0, D("0.00")), (1, D("4000.00")), (0, D("0.00"))]
    assert [o.pk for o in mine[0].cards] == [a.pk]


def test_board_shows_the_first_20_cards_and_counts_them_all(company, stages):
    start = timezone.localdate()
    rows = [opp(company, stages["Proposal"], "10.00", "50", start + datetime.timedelta(days=n)) for n in range(25)]
    column = pipeline_board(company=company)[2]
    assert (column.count, column.total, column.weighted_total) == (25, D("250.00"), D("125.00"))
    assert [o.pk for o in column.cards] == [o.pk for o in rows[:BOARD_CARDS]]


def test_won_and_lost_columns_show_the_latest_closed_first(company, stages):
    """An open stage lists what closes soonest; the won and the lost stage what closed last (a year of wins would
    otherwise show last year's first)."""
    today = timezone.localdate()
    won = [opp(company, stages["Won"], "10.00", "100", closed_on=today - datetime.timedelta(days=n))
           for n in (300, 2, 40)]
    lost = [opp(company, stages["Lost"], "10.00", "0", closed_on=today - datetime.timedelta(days=n)) for n in (9, 1)]
    board = {column.stage.name: column for column in pipeline_board(company=company)}
    assert [o.pk for o in board["Won"].cards] == [won[1].pk, won[2].pk, won[0].pk]
    assert [o.pk for o in board["Lost"].cards] == [lost[1].pk, lost[0].pk]
    for n in range(BOARD_CARDS + 3):
        opp(company, stages["Won"], "1.00", "100", closed_on=today - datetime.timedelta(days=400 + n))
    column = next(c for c in pipeline_board(company=company) if c.stage.name == "Won")
    assert column.count == BOARD_CARDS + 6
    assert [o.pk for o in column.cards[:3]] == [won[1].pk, won[2].pk, won[0].pk]  # the old ones fall off the end


def test_board_query_count_does_not_grow_with_opportunities(company, stages):
    opp(company, stages["Prospecting"], "1.00", "10")
    with CaptureQueriesContext(connection) as few:
        pipeline_board(company=company)
    for stage in stages.values():
        for _ in range(25):
            opp(company, stage, "5.00", "10")
    with CaptureQueriesContext(connection) as many:
        board = pipeline_board(company=company)
        for column in board:  # the cards' customers, owners and currencies come with them
            for card in column.cards:
                assert card.customer.name
                assert card.currency.code
    assert len(many) == len(few) == 3
    assert sum(len(col.cards) for col in board) == 6 * BOARD_CARDS


@pytest.fixture
def forecast_world(company, stages, sales, bob):
    march, april = datetime.date(2026, 3, 15), datetime.date(2026, 4, 10)
    opp(company, stages["Proposal"], "1000.00", "50", march, sales)
    opp(company, stages["Negotiation"], "333.33", "33.33", datetime.date(2026, 3, 31), sales)
    opp(company, stages["Won"], "4000.00", "100", datetime.date(2026, 1, 31), sales,
        closed_on=datetime.date(2026, 3, 2))  # counts when it was won, not when it was expected
    opp(company, stages["Lost"], "700.00", "0", march, sales, closed_on=march)
    opp(company, stages["Qualification"], "2000.00", "25", april, bob)
    opp(company, stages["Qualification"], "9999.00", "25", None, bob)  # no expected close: left out
    opp(company, stages["Qualification"], "9999.00", "25", datetime.date(2027, 3, 1), bob)  # another year
    SalesTargetFactory(company=company, owner=sales, month=datetime.date(2026, 3, 1), amount=D("5000.00"))
    SalesTargetFactory(company=company, owner=bob, month=datetime.date(2026, 4, 1), amount=D("1000.00"))


@pytest.mark.usefixtures("forecast_world")
def test_forecast_by_month_and_owner_against_targets(company, sales, bob):
    data = sales_forecast(company=company, year=2026)
    rows = [(r["month"], r["owner_name"], r["pipeline"], r["weighted"], r["won"], r["target"],
             r["won_vs_target_percent"], r["open_count"], r["won_count"]) for r in data["rows"]]
    assert rows == [
        # 1000 x 50 % + 333.33 x 33.33 % = 500 + 111.098889 = 611.098889
        (datetime.date(2026, 3, 1), "sally", D("1333.33"), D("611.10"), D("4000.00"), D("5000.00"), D("80.00"), 2, 1),
        (datetime.date(2026, 4, 1), "bob", D("2000.00"), D("500.00"), D("0.00"), D("1000.00"), D("0.00"), 1, 0),
    ]
    totals = data["totals"]
    assert (totals["pipeline"], totals["weighted"], totals["won"], totals["target"],
            totals["won_vs_target_percent"]) == (D("3333.33"), D("1111.10"), D("4000.00"), D("6000.00"), D("66.67"))
    assert len(data["months"]) == 12
    assert data["months"][2]["weighted"] == D("611.10")
    assert data["months"][0]["won_vs_target_percent"] is None
    assert [(o["owner_name"], o["won"]) for o in data["owners"]] == [("bob", D("0.00")), ("sally", D("4000.00"))]
    assert data["currency"] == "EUR"
    assert sales_forecast(company=company, year=2026, owner=bob)["totals"]["pipeline"] == D("2000.00")


@pytest.mark.usefixtures("forecast_world")
def test_forecast_query_count_does_not_grow_with_opportunities(company, stages, sales):
    company.currency  # noqa: B018  (loaded, as the views have it)
    with CaptureQueriesContext(connection) as few:
        sales_forecast(company=company, year=2026)
    for day in range(1, 28):
        opp(company, stages["Proposal"], "10.00", "10", datetime.date(2026, 5, day), sales)
    with CaptureQueriesContext(connection) as many:
        data = sales_forecast(company=company, year=2026)
    assert len(many) == len(few) == 3
    assert data["months"][4]["pipeline"] == D("270.00")
