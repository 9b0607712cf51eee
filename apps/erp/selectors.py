"""The books' reports, computed in PostgreSQL: trial balance, general ledger (running balance by a window
function), profit and loss, balance sheet. Only posted and reversed entries count (a reversal's mirror entry is
posted, so the pair cancels); drafts never do. Amounts are in the company's currency. Closed periods are read
from their balance snapshots (`apps.erp.services.snapshots`); year-closing entries are left out of the profit and
loss."""

import contextlib
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, F, Sum, Value, Window
from django.db.models.functions import Coalesce

from apps.core.models import Company
from apps.erp.choices import BOOKED_STATUSES, DEBIT_KINDS, AccountKind, PeriodStatus
from apps.erp.models import Account, JournalLine, Period

ZERO = Decimal(0)
MONEY = DecimalField(max_digits=20, decimal_places=2)


@dataclass
class BalanceRow:
    """One account's totals: debit, credit and balance (debit - credit)."""

    account: int
    code: str
    name: str
    kind: str
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit

    @property
    def natural_balance(self) -> Decimal:
        """The balance as the account's kind shows it (credit-normal kinds as positive credits)."""
        return self.balance if self.kind in DEBIT_KINDS else -self.balance


@dataclass
class Report:
    """Rows and totals of a report; `difference` is zero when it balances."""

    company: Company
    rows: list[BalanceRow] = field(default_factory=list)

    @property
    def total_debit(self) -> Decimal:
        return sum((r.debit for r in self.rows), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((r.credit for r in self.rows), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.total_debit - self.total_credit


def booked_lines(company: Company):
    """The company's journal lines of posted and reversed entries."""
    return JournalLine.objects.filter(entry__company=company, entry__status__in=BOOKED_STATUSES)


def closed_periods(company: Company, date_from: datetime.date | None,
                   date_to: datetime.date | None) -> list[tuple[int, datetime.date, datetime.date]]:
    """(id, start, end) of the company's closed periods lying wholly in the range, oldest first: their snapshots
    stand for their lines."""
    periods = Period.objects.filter(company=company, status=PeriodStatus.CLOSED)
    if date_from is not None:
        periods = periods.filter(start__gte=date_from)
    if date_to is not None:
        periods = periods.filter(end__lte=date_to)
    return list(periods.order_by("start").values_list("id", "start", "end"))


def open_ranges(date_from: datetime.date | None, date_to: datetime.date | None,
                closed: list[tuple[int, datetime.date, datetime.date]]) -> list[tuple]:
    """The parts of [date_from, date_to] (None: unbounded) not covered by the closed periods, as (from, to)."""
    ranges, cursor = [], date_from
    for _pk, start, end in closed:
        if cursor is None or cursor < start:
            ranges.append((cursor, start - datetime.timedelta(days=1)))
        cursor = end + datetime.timedelta(days=1)
    if date_to is None or cursor is None or cursor <= date_to:
        ranges.append((cursor, date_to))
    return ranges


def _date_condition(ranges: list[tuple], params: list) -> str:
    parts = []
    for low, high in ranges:
        terms = []
        if low is not None:
            terms.append("e.date >= %s")
            params.append(low)
        if high is not None:
            terms.append("e.date <= %s")
            params.append(high)
        parts.append("(" + " AND ".join(terms) + ")" if terms else "TRUE")
    return "(" + " OR ".join(parts) + ")"


LINES = """SELECT l.account_id, sum(l.debit) AS debit, sum(l.credit) AS credit
  FROM erp_journalline l JOIN erp_journalentry e ON e.id = l.entry_id
 WHERE e.company_id = %s AND e.status = ANY(%s) AND {dates}{closing}
 GROUP BY l.account_id"""


def account_totals(company: Company, *, date_from: datetime.date | None = None,
                   date_to: datetime.date | None = None, kinds=None, closing_entries: bool = True) -> list[BalanceRow]:
    """Σ debit and Σ credit per account over a date range (both days included), ordered by account code.

    One query: the snapshots of the closed periods inside the range, plus a GROUP BY over the journal lines of
    the rest of the range only, plus (with `closing_entries`) the year-closing entries of the closed periods,
    which snapshots leave out; without `closing_entries` (the profit and loss) those are left out everywhere."""
    closed = closed_periods(company, date_from, date_to)
    statuses = list(BOOKED_STATUSES)
    parts, params = [], []
    if closed:
        parts.append("SELECT account_id, debit, credit FROM erp_accountbalancesnapshot WHERE period_id = ANY(%s)")
        params.append([pk for pk, _start, _end in closed])
        if closing_entries:
            closing_params: list = [company.pk, statuses]
            dates = _date_condition([(start, end) for _pk, start, end in closed], closing_params)
            parts.append(LINES.format(dates=dates, closing=" AND e.is_closing"))
            params += closing_params
    ranges = open_ranges(date_from, date_to, closed)
    if ranges:
        line_params: list = [company.pk, statuses]
        dates = _date_condition(ranges, line_params)
        parts.append(LINES.format(dates=dates, closing="" if closing_entries else " AND NOT e.is_closing"))
        params += line_params
    if not parts:
        return []
    where = ""
    if kinds is not None:
        where = " WHERE a.kind = ANY(%s)"
        params.append(list(kinds))
    query = ("SELECT a.id, a.code, a.name, a.kind, sum(t.debit), sum(t.credit) FROM ("
             + " UNION ALL ".join(parts) + ") t JOIN erp_account a ON a.id = t.account_id" + where
             + " GROUP BY a.id, a.code, a.name, a.kind ORDER BY a.code")
    with connection.cursor() as cursor, ssd_planner_costs(cursor):
        cursor.execute(query, params)
        return [BalanceRow(account=pk, code=code, name=name, kind=kind, debit=debit, credit=credit)
                for pk, code, name, kind, debit, credit in cursor.fetchall()]


@contextlib.contextmanager
def ssd_planner_costs(cursor):
    """Plan the enclosed queries with random reads costing about what sequential ones do (the SSDs the suite
    runs on): then a short open range's lines are read through the (entry; account, debit, credit) index instead
    of a scan of every line (the default 4.0 prices a random read 4x a sequential one). Restored afterwards."""
    cursor.execute("SELECT current_setting('random_page_cost'), set_config('random_page_cost', '1.1', false)")
    previous = cursor.fetchone()[0]
    try:
        yield
    finally:
        cursor.execute("SELECT set_config('random_page_cost', %s, false)", [previous])


def trial_balance(*, company: Company, date: datetime.date) -> Report:
    """Every account's debits and credits up to and including `date`; the totals are equal."""
    return Report(company=company, rows=account_totals(company, date_to=date))


@dataclass
class ProfitAndLoss:
    """Income and expense accounts over a date range and the result (income - expense)."""

    company: Company
    date_from: datetime.date
    date_to: datetime.date
    income: list[BalanceRow]
    expenses: list[BalanceRow]

    @property
    def total_income(self) -> Decimal:
        return sum((r.natural_balance for r in self.income), ZERO)

    @property
    def total_expenses(self) -> Decimal:
        return sum((r.natural_balance for r in self.expenses), ZERO)

    @property
    def result(self) -> Decimal:
        return self.total_income - self.total_expenses


def profit_and_loss(*, company: Company, date_from: datetime.date, date_to: datetime.date) -> ProfitAndLoss:
    """The income statement of a date range (both days included)."""
    rows = account_totals(company, date_from=date_from, date_to=date_to,
                          kinds=[AccountKind.INCOME, AccountKind.EXPENSE], closing_entries=False)
    return ProfitAndLoss(company=company, date_from=date_from, date_to=date_to,
                         income=[r for r in rows if r.kind == AccountKind.INCOME],
                         expenses=[r for r in rows if r.kind == AccountKind.EXPENSE])


@dataclass
class BalanceSheet:
    """Assets, liabilities and equity at a date; the current result (all income - expense up to the date, not
    yet closed into equity) belongs to equity, so assets = liabilities + equity + result."""

    company: Company
    date: datetime.date
    assets: list[BalanceRow]
    liabilities: list[BalanceRow]
    equity: list[BalanceRow]
    result: Decimal

    @property
    def total_assets(self) -> Decimal:
        return sum((r.natural_balance for r in self.assets), ZERO)

    @property
    def total_liabilities(self) -> Decimal:
        return sum((r.natural_balance for r in self.liabilities), ZERO)

    @property
    def total_equity(self) -> Decimal:
        return sum((r.natural_balance for r in self.equity), ZERO)

    @property
    def total_liabilities_and_equity(self) -> Decimal:
        return self.total_liabilities + self.total_equity + self.result

    @property
    def difference(self) -> Decimal:
        return self.total_assets - self.total_liabilities_and_equity


def balance_sheet(*, company: Company, date: datetime.date) -> BalanceSheet:
    """The balance sheet at `date` (everything booked up to and including it)."""
    rows = account_totals(company, date_to=date)
    by_kind = {kind: [r for r in rows if r.kind == kind] for kind in AccountKind.values}
    result = (sum((-r.balance for r in by_kind[AccountKind.INCOME]), ZERO)
              - sum((r.balance for r in by_kind[AccountKind.EXPENSE]), ZERO))
    return BalanceSheet(company=company, date=date, assets=by_kind[AccountKind.ASSET],
                        liabilities=by_kind[AccountKind.LIABILITY], equity=by_kind[AccountKind.EQUITY],
                        result=result)


def general_ledger(*, account: Account, date_from: datetime.date | None = None,
                   date_to: datetime.date | None = None) -> tuple[Decimal, list[dict]]:
    """The opening balance before `date_from` and the account's booked lines in the range with a running
    balance (debit - credit, a window function over date and entry), oldest first."""
    lines = booked_lines(account.company).filter(account=account)
    opening = ZERO
    if date_from is not None:
        before = lines.filter(entry__date__lt=date_from).aggregate(
            balance=Coalesce(Sum(F("debit") - F("credit")), Value(ZERO), output_field=MONEY))
        opening = before["balance"]
        lines = lines.filter(entry__date__gte=date_from)
    if date_to is not None:
        lines = lines.filter(entry__date__lte=date_to)
    order = [F("entry__date").asc(), F("entry_id").asc(), F("line_number").asc()]
    rows = (lines.annotate(running=Window(Sum(F("debit") - F("credit")), order_by=order))
            .order_by(*order)
            .values("id", "entry_id", "entry__number", "entry__date", "entry__memo", "description", "party_id",
                    "debit", "credit", "running"))
    return opening, [{**r, "balance": opening + r["running"]} for r in rows]

