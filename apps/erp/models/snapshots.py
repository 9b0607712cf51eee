"""Balance snapshots: the debit and credit totals of each account over a closed period, so the reports sum a few
rows per closed month instead of every journal line."""

from django.db import models

from apps.core.models import CompanyOwnedModel
from apps.erp.models.ledger import ZERO, Account, Period


class AccountBalanceSnapshot(CompanyOwnedModel):
    """Σ debit and Σ credit (company currency) of an account's booked lines dated in a closed period, written when
    the period closes and dropped when it reopens. Year-closing entries are left out (the reports add them)."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="snapshots", editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="snapshots", editable=False)
    debit = models.DecimalField(max_digits=20, decimal_places=2, default=ZERO, editable=False)
    credit = models.DecimalField(max_digits=20, decimal_places=2, default=ZERO, editable=False)

    class Meta:
        ordering = ["period", "account"]
        constraints = [models.UniqueConstraint(fields=["period", "account"], name="erp_snapshot_unique")]
        indexes = [models.Index(fields=["company", "period"])]

    def __str__(self) -> str:
        return f"{self.period} {self.account.code}"
