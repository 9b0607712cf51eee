"""Balance snapshots of closed periods: written by `period_close` (one INSERT … SELECT … GROUP BY of the period's
booked lines), dropped by `period_reopen`. The reports (`apps.erp.selectors`) sum them for closed periods and
group journal lines only over what is still open, with exactly the same figures."""

from django.db import connection, transaction

from apps.erp.choices import BOOKED_STATUSES
from apps.erp.models import AccountBalanceSnapshot, Period

WRITE = """
INSERT INTO erp_accountbalancesnapshot (created_at, updated_at, company_id, period_id, account_id, debit, credit)
SELECT now(), now(), e.company_id, %(period)s, l.account_id, COALESCE(sum(l.debit), 0), COALESCE(sum(l.credit), 0)
  FROM erp_journalline l
  JOIN erp_journalentry e ON e.id = l.entry_id
 WHERE e.company_id = %(company)s AND e.status = ANY(%(statuses)s) AND e.date BETWEEN %(start)s AND %(end)s
   AND NOT e.is_closing
 GROUP BY e.company_id, l.account_id
"""


@transaction.atomic
def period_snapshot_write(*, period: Period) -> int:
    """Store each account's totals of the (closing, locked) period's booked lines, year-closing entries left
    out; any earlier snapshot of the period is replaced. Returns the number of accounts."""
    AccountBalanceSnapshot.objects.filter(period=period).delete()
    with connection.cursor() as cursor:
        cursor.execute(WRITE, {"period": period.pk, "company": period.company_id, "statuses": list(BOOKED_STATUSES),
                               "start": period.start, "end": period.end})
        return cursor.rowcount


@transaction.atomic
def period_snapshot_drop(*, period: Period) -> int:
    """Forget the period's snapshot (it is reopened: its lines may change again)."""
    deleted, _ = AccountBalanceSnapshot.objects.filter(period=period).delete()
    return deleted
