"""Benchmark of the books (not a test): the trial balance and a year's profit and loss over a large ledger.

    .venv/bin/python bench/erp_ledger.py [--lines 1000000] [--runs 5]

Creates its own database `bench_erp` on the configured server (migrated from scratch), gives a company the
standard manufacturing chart, its journals and two fiscal years, and loads the posted entries (four lines each:
two debits and two credits that balance, random accounts of the chart, dates over two years; about 2% reversed,
each with its mirror entry) with COPY. The deferred balance trigger is disabled during the bulk load only (the rows
are balanced by construction; one GROUP BY query checks every entry afterwards) and enabled again. Then it
measures, interleaved in the same run so load from other processes hits both alike:

* `GET erp/reports/trial-balance/?date=` through the API (in-process, token user of the Finance role: routing,
  permission, the report's SQL, serialisation) against one hand-written GROUP BY query;
* `GET erp/reports/profit-and-loss/?date_from=&date_to=` for 2025 against one hand-written GROUP BY query;

first with every period open (no balance snapshot: the API groups all the lines as the baseline does), then after
closing the first 21 periods (2025-01 to 2026-09) through `period_close`, which writes their balance snapshots:
the API then sums the snapshots (both reports' ranges are closed). Both are measured again at a date and for a
year that end in open periods (trial balance on 2026-11-15, P&L 2026): snapshots plus the lines of the open rest.
It checks that the API and the SQL agree in every case (and that the trial balance's difference is zero, and the
figures are the same with and without snapshots), and drops the database. The line before the last is the P&L;
the last line is `RESULT erp_trial_balance=<s> snapshots=<s> baseline=<s> ratio=<ours without snapshots/baseline>`
(the baseline: the faster median of the two rounds).
"""

import argparse
import datetime
import random
import time
from decimal import Decimal

from common import configure, interleaved, throwaway_database

BASELINE_TRIAL_BALANCE = """
SELECT a.id, a.code, sum(l.debit), sum(l.credit)
  FROM erp_journalline l
  JOIN erp_journalentry e ON e.id = l.entry_id
  JOIN erp_account a ON a.id = l.account_id
 WHERE e.company_id = %(company)s AND e.status IN ('posted', 'reversed') AND e.date <= %(date)s
 GROUP BY a.id, a.code
 ORDER BY a.code
"""
BASELINE_PROFIT_AND_LOSS = """
SELECT a.id, a.code, a.kind, sum(l.debit), sum(l.credit)
  FROM erp_journalline l
  JOIN erp_journalentry e ON e.id = l.entry_id
  JOIN erp_account a ON a.id = l.account_id
 WHERE e.company_id = %(company)s AND e.status IN ('posted', 'reversed')
   AND e.date BETWEEN %(date_from)s AND %(date_to)s AND a.kind IN ('income', 'expense')
 GROUP BY a.id, a.code, a.kind
 ORDER BY a.code
"""
CLOSED_MONTHS = 21  # 2025-01 to 2026-09
CHECK_BALANCED = """
SELECT count(*) FROM (
  SELECT e.id FROM erp_journalentry e JOIN erp_journalline l ON l.entry_id = e.id
   WHERE e.company_id = %s GROUP BY e.id HAVING sum(l.debit) <> sum(l.credit) OR count(*) < 2) unbalanced
"""


def sql(query: str, params) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def build(lines: int, seed: int = 7):
    """The company, a Finance user, and `lines` journal lines of posted (and some reversed) entries."""
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction
    from django.utils import timezone

    from apps.core.models import Company, Currency
    from apps.core.services.companies import membership_set
    from apps.erp.models import Account, Journal, Period
    from apps.erp.services.accounts import chart_of_accounts_ensure
    from apps.erp.services.periods import fiscal_year_create

    rng = random.Random(seed)
    company = Company.objects.create(code="BENCH", name="Bench Works", currency=Currency.objects.get(code="EUR"))
    user = User.objects.create_user(username="bench-accountant", password="x")
    membership_set(company=company, user=user, role=Group.objects.get(name="Finance"), actor=None)
    chart_of_accounts_ensure(company=company)
    for year in (2025, 2026):
        fiscal_year_create(company=company, year=year)
    accounts = list(Account.objects.filter(company=company).values_list("id", flat=True))
    journals = list(Journal.objects.filter(company=company).values_list("id", "code"))
    periods = {(p.start.year, p.start.month): p.pk for p in Period.objects.filter(company=company)}
    eur = company.currency_id
    first_day, days = datetime.date(2025, 1, 1), 730
    now = timezone.now()
    reversed_every = 50  # every 50th entry is reversed by a mirror entry (so 2 % of the entries come in pairs)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE erp_journalentry DISABLE TRIGGER erp_journalentry_balanced")
        cursor.execute("ALTER TABLE erp_journalline DISABLE TRIGGER erp_journalline_balanced")
        raw = cursor.cursor
        entry_id, line_id, numbers = 0, 0, {}
        entry_rows, line_rows = [], []
        n = 0
        while line_id + 4 <= lines:
            n += 1
            entry_id += 1
            date = first_day + datetime.timedelta(days=rng.randrange(days))
            journal_id, code = journals[rng.randrange(len(journals))]
            key = (code, date.year)
            numbers[key] = numbers.get(key, 0) + 1
            a, b = rng.randrange(100, 1_000_000), rng.randrange(100, 1_000_000)
            c = rng.randrange(1, a + b)
            amounts = [(Decimal(a) / 100, 0), (Decimal(b) / 100, 0), (0, Decimal(c) / 100),
                       (0, Decimal(a + b - c) / 100)]
            total = Decimal(a + b) / 100
            is_reversed = n % reversed_every == 0 and line_id + 8 <= lines
            status = "reversed" if is_reversed else "posted"
            period = periods[(date.year, date.month)]
            chosen = [accounts[rng.randrange(len(accounts))] for _ in range(4)]
            mirror_id = entry_id + 1 if is_reversed else None
            entry_rows.append((entry_id, now, now, f"{code}-{date.year}-{numbers[key]:07d}", date, "bench", status,
                               total, total, "", "", now, company.pk, journal_id, period, mirror_id, False))
            for number, (account, (debit, credit)) in enumerate(zip(chosen, amounts, strict=True), start=1):
                line_id += 1
                line_rows.append((line_id, entry_id, number, account, "", eur, debit - credit, 1, debit, credit))
            if is_reversed:
                entry_id += 1
                numbers[key] += 1
                entry_rows.append((entry_id, now, now, f"{code}-{date.year}-{numbers[key]:07d}", date,
                                   "bench reversal", "posted", total, total, "", "", now, company.pk, journal_id,
                                   period, None, False))
                for number, (account, (debit, credit)) in enumerate(zip(chosen, amounts, strict=True), start=1):
                    line_id += 1
                    line_rows.append((line_id, entry_id, number, account, "", eur, credit - debit, 1, credit, debit))
        # mirrors first (the originals point at them), all in one COPY: the FK is checked at commit
        with raw.copy("COPY erp_journalentry (id, created_at, updated_at, number, date, memo, status, total_debit, "
                      "total_credit, source_id, source_text, posted_at, company_id, journal_id, period_id, "
                      "reversed_by_id, is_closing) FROM STDIN") as copy:
            for row in entry_rows:
                copy.write_row(row)
        with raw.copy("COPY erp_journalline (id, entry_id, line_number, account_id, description, currency_id, "
                      "amount, exchange_rate, debit, credit) FROM STDIN") as copy:
            for row in line_rows:
                copy.write_row(row)
        cursor.execute("SELECT setval(pg_get_serial_sequence('erp_journalentry', 'id'), %s)", [entry_id])
        cursor.execute("SELECT setval(pg_get_serial_sequence('erp_journalline', 'id'), %s)", [line_id])
    with connection.cursor() as cursor:  # after the load's commit (its foreign-key checks are deferred to it)
        cursor.execute("ALTER TABLE erp_journalentry ENABLE TRIGGER erp_journalentry_balanced")
        cursor.execute("ALTER TABLE erp_journalline ENABLE TRIGGER erp_journalline_balanced")
        # what autovacuum does to a table after inserts (PostgreSQL 13+): statistics and the visibility map (the
        # reports read an open range's lines with index-only scans); erp_account too (18 rows: below its threshold)
        cursor.execute("VACUUM ANALYZE erp_journalentry")
        cursor.execute("VACUUM ANALYZE erp_journalline")
        cursor.execute("ANALYZE erp_account")
    return company, user, entry_id, line_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    configure("bench_erp")
    from rest_framework.test import APIClient

    with throwaway_database():
        started = time.perf_counter()
        company, user, entries, lines = build(args.lines)
        print(f"built {entries:,} entries with {lines:,} lines over 2025-2026 in "
              f"{time.perf_counter() - started:.0f}s", flush=True)
        assert sql(CHECK_BALANCED, [company.pk]) == [(0,)], "an entry does not balance"
        client = APIClient()
        client.force_authenticate(user)

        def api(path: str, params: dict) -> dict:
            response = client.get(path, params)
            assert response.status_code == 200, response.content[:500]
            return response.json()

        at = {"company": company.pk, "date": "2026-06-30"}
        year = {"company": company.pk, "date_from": "2025-01-01", "date_to": "2025-12-31"}
        mixed_at = {"company": company.pk, "date": "2026-11-15"}
        mixed_year = {"company": company.pk, "date_from": "2026-01-01", "date_to": "2026-12-31"}
        plain = measure(api, at, year, args.runs)
        plain_mixed = measure(api, mixed_at, mixed_year, args.runs)
        started = time.perf_counter()
        closed = close_periods(company, user, CLOSED_MONTHS)
        print(f"closed {closed} periods (2025-01 to 2026-09: balance snapshots written) in "
              f"{time.perf_counter() - started:.1f}s", flush=True)
        snap = measure(api, at, year, args.runs)
        snap_mixed = measure(api, mixed_at, mixed_year, args.runs)
        for before, after in ((plain, snap), (plain_mixed, snap_mixed)):
            assert after["tb"] == before["tb"], "the trial balance differs with snapshots"
            assert after["pnl"] == before["pnl"], "the profit and loss differs with snapshots"
        tb, pnl = plain["tb"], plain["pnl"]
        print(f"trial balance at {at['date']}: {len(tb['rows'])} accounts, debit = credit = "
              f"{tb['totals']['debit']} EUR; P&L 2025: result {pnl['result']} EUR (the same with snapshots)")
        for label, before, after in (("P&L 2025 (all closed)", plain, snap),
                                     ("P&L 2026 (Oct-Dec open)", plain_mixed, snap_mixed)):
            print(f"{label}: API {before['pnl_ours'] * 1000:.1f} ms without snapshots, "
                  f"{after['pnl_ours'] * 1000:.1f} ms with; GROUP BY {before['pnl_base'] * 1000:.1f} / "
                  f"{after['pnl_base'] * 1000:.1f} ms")
        for label, before, after in ((f"trial balance at {at['date']} (all closed)", plain, snap),
                                     (f"trial balance at {mixed_at['date']} (from October open)", plain_mixed,
                                      snap_mixed)):
            print(f"{label}: API {before['tb_ours'] * 1000:.1f} ms without snapshots, "
                  f"{after['tb_ours'] * 1000:.1f} ms with; GROUP BY {before['tb_base'] * 1000:.1f} / "
                  f"{after['tb_base'] * 1000:.1f} ms")
        base_pnl = min(plain["pnl_base"], snap["pnl_base"])
        base_tb = min(plain["tb_base"], snap["tb_base"])
        print(f"RESULT erp_profit_and_loss={plain['pnl_ours']:.3f} snapshots={snap['pnl_ours']:.3f} "
              f"baseline={base_pnl:.3f} ratio={plain['pnl_ours'] / base_pnl:.2f}")
        print(f"RESULT erp_trial_balance={plain['tb_ours']:.3f} snapshots={snap['tb_ours']:.3f} "
              f"baseline={base_tb:.3f} ratio={plain['tb_ours'] / base_tb:.2f}")


def close_periods(company, user, months: int) -> int:
    """Close the first `months` periods through the service (each writes its balance snapshot)."""
    from django.contrib.auth.models import User

    from apps.erp.models import Period
    from apps.erp.services.periods import period_close

    actor = User.objects.get(pk=user.pk)
    periods = list(Period.objects.filter(company=company).order_by("start")[:months])
    for period in periods:
        period_close(period=period, actor=actor)
    return len(periods)


def measure(api, at: dict, year: dict, runs: int) -> dict:
    """Median seconds of the API and the hand-written GROUP BY, interleaved, with a check that they agree."""
    tb_ours, tb_base, tb, tb_rows = interleaved(
        lambda: api("/api/v1/erp/reports/trial-balance/", at), lambda: sql(BASELINE_TRIAL_BALANCE, at), runs)
    assert [(r["account"], Decimal(r["debit"]), Decimal(r["credit"])) for r in tb["rows"]] == [
        (account, debit, credit) for account, _code, debit, credit in tb_rows], "the trial balances differ"
    assert tb["totals"]["balance"] == "0.00", tb["totals"]
    pnl_ours, pnl_base, pnl, pnl_rows = interleaved(
        lambda: api("/api/v1/erp/reports/profit-and-loss/", year), lambda: sql(BASELINE_PROFIT_AND_LOSS, year),
        runs)
    income = sum(c - d for _a, _c, kind, d, c in pnl_rows if kind == "income")
    expenses = sum(d - c for _a, _c, kind, d, c in pnl_rows if kind == "expense")
    assert Decimal(pnl["result"]) == income - expenses, (pnl["result"], income - expenses)
    return {"tb_ours": tb_ours, "tb_base": tb_base, "tb": tb, "pnl_ours": pnl_ours, "pnl_base": pnl_base,
            "pnl": pnl}

if __name__ == "__main__":
    main()
