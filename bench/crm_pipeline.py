"""Benchmark of the CRM pipeline (not a test): the board's first load and the forecast at scale.

    .venv/bin/python bench/crm_pipeline.py [--opportunities 50000] [--activities 200000] [--runs 30]

Creates its own database `bench_crm` on the configured server (migrated from scratch), builds a company with
the default pipeline, 40 salespeople, 5,000 customers, the opportunities (spread over the stages, two years of
expected close dates, won and lost ones closed) and the activities about them, then measures, interleaved in the
same run so load from other processes hits both alike:

* the board's first load through the project's selector `apps.crm.selectors.pipeline_board` (columns in stage
  order with count, total, weighted total and the first 20 cards, customers and owners loaded) against one
  hand-written SQL query (GROUP BY + LATERAL per-stage LIMIT);
* the forecast by month and owner through `apps.crm.selectors.sales_forecast` against one hand-written query;
* both API endpoints (`GET crm/opportunities/board/`, `GET crm/forecast/?year=`) in-process, for reference;
* the query count of each selector at 1,000 opportunities and at the full size (it must not change).

It checks that the selector and the SQL agree, and drops the database. The line before the last is the forecast's
figures; the last line is `RESULT crm_board=<ms> baseline=<ms> ratio=<ours/baseline>`.
"""

import argparse
import datetime
import random
import time
from decimal import Decimal

from common import configure, interleaved, throwaway_database

BASELINE_BOARD = """
SELECT s.id, s.name, s."order", coalesce(t.n, 0), coalesce(t.total, 0), coalesce(t.weighted, 0),
       c.id, c.number, c.title, c.amount, c.amount_company_currency, c.probability, c.expected_close, c.status,
       p.id, p.name, u.id, u.username, cur.code
  FROM crm_pipelinestage s
  LEFT JOIN (SELECT stage_id, count(*) AS n, sum(amount_company_currency) AS total,
                    sum(amount_company_currency * probability / 100) AS weighted
               FROM crm_opportunity WHERE company_id = %(company)s GROUP BY stage_id) t ON t.stage_id = s.id
  LEFT JOIN LATERAL (SELECT * FROM crm_opportunity o WHERE o.stage_id = s.id
                      ORDER BY o.expected_close, o.id LIMIT 20) c ON true
  LEFT JOIN core_party p ON p.id = c.customer_id
  LEFT JOIN auth_user u ON u.id = c.owner_id
  LEFT JOIN core_currency cur ON cur.id = c.currency_id
 WHERE s.company_id = %(company)s
 ORDER BY s."order", s.id, c.expected_close, c.id
"""

BASELINE_FORECAST = """
SELECT x.month, x.owner_id, u.username, sum(x.pipeline), sum(x.weighted), sum(x.won), sum(x.target),
       sum(x.open_count), sum(x.won_count)
  FROM (SELECT date_trunc('month', CASE WHEN status = 'won' THEN closed_on ELSE expected_close END)::date AS month,
               owner_id,
               sum(amount_company_currency) FILTER (WHERE status = 'open') AS pipeline,
               sum(amount_company_currency * probability / 100) FILTER (WHERE status = 'open') AS weighted,
               sum(amount_company_currency) FILTER (WHERE status = 'won') AS won, 0 AS target,
               count(*) FILTER (WHERE status = 'open') AS open_count,
               count(*) FILTER (WHERE status = 'won') AS won_count
          FROM crm_opportunity
         WHERE company_id = %(company)s
           AND ((status = 'open' AND expected_close BETWEEN %(start)s AND %(end)s)
                OR (status = 'won' AND closed_on BETWEEN %(start)s AND %(end)s))
         GROUP BY 1, 2
        UNION ALL
        SELECT month, owner_id, 0, 0, 0, amount, 0, 0 FROM crm_salestarget
         WHERE company_id = %(company)s AND month BETWEEN %(start)s AND %(end)s) x
  LEFT JOIN auth_user u ON u.id = x.owner_id
 GROUP BY x.month, x.owner_id, u.username
 ORDER BY x.month, u.username
"""


def build(opportunities: int, activities: int, tag: str, seed: int = 7):
    """The company, its people, customers, opportunities and activities, with bulk inserts."""
    from django.contrib.auth.models import Group, User
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from apps.core.models import Company, Currency, Membership, Party
    from apps.crm.models import Activity, Opportunity, SalesTarget
    from apps.crm.services.pipeline import pipeline_stages_ensure

    rng = random.Random(seed)
    eur = Currency.objects.get(code="EUR")
    company = Company.objects.create(code=tag, name=f"Bench {tag}", currency=eur)
    sales_role = Group.objects.get(name="Sales")
    owners = User.objects.bulk_create([User(username=f"{tag.lower()}-rep{n:02d}") for n in range(40)])
    Membership.objects.bulk_create([Membership(user=u, company=company, role=sales_role) for u in owners])
    customers = Party.objects.bulk_create([Party(company=company, number=f"P-{n:05d}", name=f"Customer {n}",
                                                 is_customer=True) for n in range(5000)])
    stages = pipeline_stages_ensure(company=company)
    from django.utils import timezone

    today = timezone.localdate()
    year_start = today.replace(month=1, day=1)
    weights = [30, 20, 15, 10, 15, 10]  # prospecting … lost

    def opportunity(n: int) -> Opportunity:
        stage = rng.choices(stages, weights)[0]
        amount = Decimal(rng.randint(500, 250_000))
        close = year_start + datetime.timedelta(days=rng.randint(-180, 540))
        closed = close if stage.is_won or stage.is_lost else None
        return Opportunity(company=company, number=f"OP-B-{n:06d}", customer=rng.choice(customers),
                           title=f"Deal {n}", amount=amount, currency=eur, amount_company_currency=amount,
                           stage=stage, probability=stage.probability, expected_close=close,
                           owner=rng.choice(owners), status=stage.status, closed_on=closed)

    for start in range(0, opportunities, 5000):
        Opportunity.objects.bulk_create([opportunity(n) for n in range(start, min(start + 5000, opportunities))])
    SalesTarget.objects.bulk_create([SalesTarget(company=company, owner=o, month=year_start.replace(month=m),
                                                 amount=Decimal(200_000)) for o in owners for m in range(1, 13)])
    content_type = ContentType.objects.get_for_model(Opportunity)
    ids = list(Opportunity.objects.filter(company=company).values_list("id", "customer_id"))
    now = datetime.datetime.now(datetime.UTC)
    for start in range(0, activities, 10_000):
        batch = []
        for n in range(start, min(start + 10_000, activities)):
            target, customer = rng.choice(ids)
            batch.append(Activity(company=company, kind="call", subject=f"Call {n}", target_type=content_type,
                                  target_id=target, customer_id=customer, owner=rng.choice(owners),
                                  due_at=now + datetime.timedelta(hours=rng.randint(-2000, 2000)),
                                  done=rng.random() < 0.6))
        Activity.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return company, owners[0], stages


def sql(query: str, params: dict) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def queries(call) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def check_board(board, rows) -> None:
    """The selector and the SQL agree on every column's figures and cards."""
    by_stage: dict[int, list] = {}
    for row in rows:
        by_stage.setdefault(row[0], []).append(row)
    for column in board:
        first = by_stage[column.stage.pk][0]
        assert (column.count, column.total, column.weighted_total) == (
            first[3], Decimal(first[4]).quantize(Decimal("0.01")), Decimal(first[5]).quantize(Decimal("0.01"))), \
            column.stage.name
        assert [o.pk for o in column.cards] == [r[6] for r in by_stage[column.stage.pk] if r[6] is not None]


def check_forecast(data, rows) -> None:
    ours = {(r["month"], r["owner"]): (r["pipeline"], r["won"], r["target"]) for r in data["rows"]}
    theirs = {(r[0], r[1]): tuple(Decimal(v or 0).quantize(Decimal("0.01")) for v in (r[3], r[5], r[6]))
              for r in rows}
    assert ours == theirs


def api_ms(client, url: str, params: dict, runs: int) -> float:
    import statistics

    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, params)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--opportunities", type=int, default=50_000)
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    configure("bench_crm")
    from rest_framework.test import APIClient

    from apps.crm.selectors import pipeline_board, sales_forecast
    from apps.crm.services.pipeline import pipeline_stages_ensure

    with throwaway_database():
        started = time.perf_counter()
        small = min(1000, args.opportunities)
        company, rep, _stages = build(small, 0, "SMALL", seed=1)
        from django.utils import timezone

        year = timezone.localdate().year
        board_small = queries(lambda: pipeline_board(company=company))
        forecast_small = queries(lambda: sales_forecast(company=company, year=year))
        company, rep, _stages = build(args.opportunities, args.activities, "BENCH")
        print(f"built {args.opportunities:,} opportunities and {args.activities:,} activities "
              f"in {time.perf_counter() - started:.0f}s", flush=True)
        from apps.core.models import Company

        company = Company.objects.select_related("currency").get(pk=company.pk)
        pipeline_stages_ensure(company=company)
        params = {"company": company.pk, "start": datetime.date(year, 1, 1), "end": datetime.date(year, 12, 31)}

        board_ours, board_base, board, rows = interleaved(lambda: pipeline_board(company=company),
                                                          lambda: sql(BASELINE_BOARD, params), args.runs)
        check_board(board, rows)
        forecast_ours, forecast_base, data, frows = interleaved(
            lambda: sales_forecast(company=company, year=year), lambda: sql(BASELINE_FORECAST, params), args.runs)
        check_forecast(data, frows)
        board_big, forecast_big = (queries(lambda: pipeline_board(company=company)),
                                   queries(lambda: sales_forecast(company=company, year=year)))

        client = APIClient()
        client.force_authenticate(rep)
        board_api = api_ms(client, "/api/v1/crm/opportunities/board/", {}, args.runs)
        forecast_api = api_ms(client, "/api/v1/crm/forecast/", {"year": year}, args.runs)

        print(f"board: {sum(c.count for c in board):,} opportunities in {len(board)} columns, "
              f"{sum(len(c.cards) for c in board)} cards; API GET crm/opportunities/board/ {board_api:.1f} ms")
        print(f"queries: board {board_small} at {small:,} opportunities, {board_big} at {args.opportunities:,}; "
              f"forecast {forecast_small} and {forecast_big}")
        print(f"forecast {year}: {len(data['rows'])} month x owner rows; API GET crm/forecast/ {forecast_api:.1f} ms")
        print(f"FORECAST crm_forecast={forecast_ours * 1000:.1f} baseline={forecast_base * 1000:.1f} "
              f"ratio={forecast_ours / forecast_base:.2f}")
        print(f"RESULT crm_board={board_ours * 1000:.1f} baseline={board_base * 1000:.1f} "
              f"ratio={board_ours / board_base:.2f}")


if __name__ == "__main__":
    main()
