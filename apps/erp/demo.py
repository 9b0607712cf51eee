"""Demo data for ERP: the standard chart, journals and fiscal year of each demo company; in DEMO a few posted
entries of the books' own (capital, rent, one reversed entry), one draft, departments, employees and time off; then
the sales orders (`sales_demo`), invoices and payments (`invoice_demo`) and vendor bills (`bills_demo`). The stock's
value (receipts, shipments, completions of SCM's and MES's demo) is booked by the posting rules when `seed_demo`
delivers their events, so the inventory accounts equal SCM's stock value.

Idempotent: it runs once per company (a second run finds the capital entry and changes nothing).
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.erp import bills_demo, history_demo, invoice_demo, sales_demo
from apps.erp.choices import JournalKind, PeriodStatus, PostingRule
from apps.erp.models import JournalEntry, Period
from apps.erp.services.accounts import account_for, chart_of_accounts_ensure, journal_for
from apps.erp.services.entries import journal_entry_create, journal_entry_reverse, post_entry
from apps.erp.services.hr import department_create, employee_create, time_off_create
from apps.erp.services.periods import fiscal_year_create, period_close

D = Decimal
CAPITAL = "Share capital paid in"
DEPARTMENTS = [("PROD", "Production"), ("SALES", "Sales"), ("FIN", "Finance"), ("ENG", "Engineering")]
# number, name, department, hourly cost, user name
EMPLOYEES = [("E-001", "Maria Keller", "PROD", "38.50", "operator"), ("E-002", "Jonas Weber", "PROD", "36.00", None),
             ("E-003", "Lena Fischer", "SALES", "42.00", "sales"), ("E-004", "Paul Braun", "FIN", "45.00",
                                                                     "accountant"),
             ("E-005", "Sofia Novak", "ENG", "48.00", "engineer")]


@transaction.atomic
def seed_books(*, company, other_company, users) -> None:
    """The books of both demo companies, and DEMO's entries and staff (once)."""
    today = timezone.localdate()
    for each in (company, other_company):
        chart_of_accounts_ensure(company=each)
        fiscal_year_create(company=each, year=today.year)
    if JournalEntry.objects.filter(company=company, memo=CAPITAL).exists():
        return
    actor = users.get("accountant") or users["admin"]

    def acc(rule):
        return account_for(company=company, rule=rule)

    def line(rule, debit="0", credit="0", **extra):
        return {"account": acc(rule), "debit": D(debit), "credit": D(credit), **extra}

    start = datetime.date(today.year, today.month, 1)
    general = journal_for(company=company, kind=JournalKind.GENERAL)
    post_entry(company=company, journal=general, date=start, memo=CAPITAL, actor=actor,
               lines=[line(PostingRule.BANK, debit="250000"), line(PostingRule.EQUITY, credit="250000")],
               source="Shareholder resolution 1/" + str(today.year))
    wrong = post_entry(company=company, journal=general, date=today, memo="Rent (wrong account)", actor=actor,
                       lines=[line(PostingRule.VARIANCE, debit="3200"), line(PostingRule.BANK, credit="3200")])
    journal_entry_reverse(entry=wrong, actor=actor)
    post_entry(company=company, journal=general, date=today, memo="Rent", actor=actor,
               lines=[line(PostingRule.EXPENSES, debit="3200"), line(PostingRule.BANK, credit="3200")])
    journal_entry_create(company=company, actor=actor, journal=general, date=today, memo="Accrued electricity",
                         lines=[line(PostingRule.EXPENSES, debit="860"), line(PostingRule.PAYABLES, credit="860")])

    departments = {code: department_create(company=company, actor=actor, code=code, name=name)
                   for code, name in DEPARTMENTS}
    employees = [employee_create(company=company, actor=actor, number=number, name=name,
                                 department=departments[dept], hourly_cost=D(cost), user=users.get(username))
                 for number, name, dept, cost, username in EMPLOYEES]
    time_off_create(company=company, actor=actor, employee=employees[1], kind="vacation",
                    start=today + datetime.timedelta(days=14), end=today + datetime.timedelta(days=25),
                    note="Summer holiday")


def seed(*, company, other_company, users) -> None:
    """Called by `seed_demo`: the books, then the sales orders, the invoices and payments, the vendor bills, and the
    e-bike range's three months of sales, receivables and payables (`history_demo`) (each once)."""
    seed_books(company=company, other_company=other_company, users=users)
    sales_demo.seed(company=company, other_company=other_company, users=users)
    invoice_demo.seed(company=company, other_company=other_company, users=users)
    bills_demo.seed(company=company, other_company=other_company, users=users)
    history_demo.seed(company=company, other_company=other_company, users=users)
    close_old_periods(company=company, users=users)


def close_old_periods(*, company, users) -> None:
    """The months of the year that ended more than two months ago are closed (nothing of the demo is dated in
    them), as a finance team would have done; the last two stay open for the demo's documents."""
    horizon = timezone.localdate() - datetime.timedelta(days=62)
    actor = users.get("accountant") or users["admin"]
    for period in Period.objects.filter(company=company, status=PeriodStatus.OPEN, end__lt=horizon).order_by("start"):
        period_close(period=period, actor=actor)
