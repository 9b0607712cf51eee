"""Benchmark of the sales-order API (not a test): listing orders with their lines against one SQL query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/erp_api.py [--orders 100]

Creates its own database `bench_erp` on the configured server (migrated from scratch), builds a company with a
Sales user, released items and `--orders` sales orders of 3 lines each through `sales_order_create`, and drops the
database at the end. It counts the queries of `GET /api/v1/erp/sales-orders/?page_size=100` at 10 orders and at
`--orders` (they must be equal), then times that request (DRF: scoping, permissions, serializers, JSON) against a
single hand-written query that builds the same page as JSON in PostgreSQL (`json_agg` of orders, each with a
`json_agg` of its lines), interleaved in the same run; then requests/s and p95 of each.
The last line is `RESULT erp_sales_orders_api=<ms> baseline=<ms> ratio=<ours/baseline>`.
"""

import argparse
import json
import time
from decimal import Decimal

from common import configure, interleaved, throwaway_database

LINES_PER_ORDER = 3
URL = "/api/v1/erp/sales-orders/"

BASELINE = """
SELECT json_build_object(
  'count', (SELECT count(*) FROM erp_salesorder WHERE company_id = %(company)s),
  'results', COALESCE(json_agg(o ORDER BY o.id DESC), '[]'::json))::text
FROM (
  SELECT so.id, so.company_id AS company, so.number, so.customer_id AS customer, so.quote_id AS quote,
         q.number AS quote_number, cur.code AS currency, so.order_date, so.requested_delivery_date,
         so.warehouse_id AS warehouse, so.payment_terms_days, so.status,
         (SELECT COALESCE(json_agg(json_build_object(
                    'id', l.id, 'line_number', l.line_number, 'item', l.item_id, 'item_number', i.number,
                    'description', l.description, 'quantity', l.quantity::text, 'unit_price', l.unit_price::text,
                    'discount_percent', l.discount_percent::text, 'tax_rate', l.tax_rate::text,
                    'due_date', l.due_date, 'net', l.net::text, 'tax', l.tax::text,
                    'quantity_delivered', l.quantity_delivered::text) ORDER BY l.line_number), '[]'::json)
            FROM erp_salesorderline l JOIN plm_item i ON i.id = l.item_id WHERE l.order_id = so.id) AS lines,
         so.total::text AS total, so.total_tax::text AS total_tax, so.total_with_tax::text AS total_with_tax,
         so.notes, so.confirmed_at, so.created_at, so.updated_at
    FROM erp_salesorder so
    JOIN core_currency cur ON cur.id = so.currency_id
    LEFT JOIN crm_quote q ON q.id = so.quote_id
   WHERE so.company_id = %(company)s
   ORDER BY so.id DESC
   LIMIT 100
) o
"""


def build_world():
    """A company, a Sales user, a customer and ten released items."""
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from apps.core.models import Company, Currency, Party, UnitOfMeasure
    from apps.core.services.companies import membership_set
    from apps.plm.models import Item, Revision

    company = Company.objects.create(code="BENCH", name="Bench Works", currency=Currency.objects.get(code="EUR"))
    user = User.objects.create_user(username="bench-sales", password="x")
    membership_set(company=company, user=user, role=Group.objects.get(name="Sales"), actor=None)
    customer = Party.objects.create(company=company, number="C-00001", name="Tractors Inc", is_customer=True)
    uom = UnitOfMeasure.objects.get(code="ea")
    items = []
    for n in range(10):
        item = Item.objects.create(company=company, number=f"FG-{n:03d}", name=f"Product {n}", uom=uom,
                                   item_type="make", lifecycle_state="released")
        item.current_revision = Revision.objects.create(company=company, item=item, code="A", status="released",
                                                        released_at=timezone.now())
        item.save(update_fields=["current_revision"])
        items.append(item)
    return company, User.objects.get(pk=user.pk), customer, items


def add_orders(company, user, customer, items, count: int) -> None:
    from apps.erp.services.sales import sales_order_create

    for n in range(count):
        sales_order_create(company=company, actor=user, customer=customer, notes=f"Bench order {n}", lines=[
            {"item": items[(n + k) % len(items)], "quantity": Decimal(k + 1), "unit_price": Decimal("12.345"),
             "discount_percent": Decimal("5"), "tax_rate": Decimal("19")} for k in range(LINES_PER_ORDER)])


def count_queries(client) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"page_size": 100})
        assert response.status_code == 200, response.content[:300]
    return len(captured), sum(1 for q in captured.captured_queries if "erp_" in q["sql"])


def timings(call, runs: int) -> tuple[float, float]:
    """(requests per second, p95 ms) of `runs` sequential calls."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    samples.sort()
    return len(samples) / sum(samples), samples[max(0, int(len(samples) * 0.95) - 1)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    configure("bench_erp")
    from django.db import connection
    from rest_framework.test import APIClient

    with throwaway_database():
        company, user, customer, items = build_world()
        client = APIClient()
        client.force_authenticate(user)
        add_orders(company, user, customer, items, 10)
        count_queries(client)  # warm: the user's roles are then cached on the (force-authenticated) user
        small = count_queries(client)
        add_orders(company, user, customer, items, args.orders - 10)
        big = count_queries(client)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        def ours() -> bytes:
            response = client.get(URL, {"page_size": 100})
            assert response.status_code == 200
            return response.content

        def baseline() -> str:
            with connection.cursor() as cursor:
                cursor.execute(BASELINE, {"company": company.pk})
                return cursor.fetchone()[0]

        ours_s, base_s, ours_body, base_body = interleaved(ours, baseline, args.runs)
        api, sql = json.loads(ours_body), json.loads(base_body)
        shown = min(args.orders, 100)
        assert api["count"] == sql["count"] == args.orders
        assert [o["number"] for o in api["results"]] == [o["number"] for o in sql["results"]]
        assert [len(o["lines"]) for o in api["results"]] == [len(o["lines"]) for o in sql["results"]] == [
            LINES_PER_ORDER] * shown
        assert [o["total_with_tax"] for o in api["results"]] == [o["total_with_tax"] for o in sql["results"]]
        ours_rps, ours_p95 = timings(ours, args.runs)
        base_rps, base_p95 = timings(baseline, args.runs)
        print(f"queries of GET {URL}?page_size=100: {small[0]} at 10 orders, {big[0]} at {args.orders} "
              f"(sales-order queries {small[1]} and {big[1]}: count, orders, lines with items; "
              "a request with a token adds 3 authentication and role lookups)")
        assert small == big, "the list's query count grows with the orders"
        print(f"{shown} orders x {LINES_PER_ORDER} lines, {len(ours_body):,} bytes of JSON")
        print(f"API: {ours_rps:.1f} requests/s, p95 {ours_p95:.1f} ms; "
              f"SQL json_agg: {base_rps:.1f} queries/s, p95 {base_p95:.1f} ms")
        print(f"RESULT erp_sales_orders_api={ours_s * 1000:.1f} baseline={base_s * 1000:.1f} "
              f"ratio={ours_s / base_s:.2f}")


if __name__ == "__main__":
    main()
