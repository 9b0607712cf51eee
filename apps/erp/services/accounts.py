"""The chart of accounts: the standard manufacturing template, accounts, posting-rule mappings and journals."""

from django.db import transaction

from apps.core.checks import require_same_company
from apps.core.errors import DomainError
from apps.core.models import Company
from apps.core.services.records import record_create, record_delete, record_update
from apps.erp.choices import AccountKind as K
from apps.erp.choices import JournalKind, PostingRule
from apps.erp.models import Account, AccountMapping, Journal

# code, name, kind, posting rule (the role the account plays in the template)
STANDARD_CHART = [
    ("1000", "Cash", K.ASSET, PostingRule.CASH),
    ("1100", "Bank", K.ASSET, PostingRule.BANK),
    ("1200", "Trade receivables", K.ASSET, PostingRule.RECEIVABLES),
    ("1300", "Inventory: raw material", K.ASSET, PostingRule.INVENTORY),
    ("1310", "Inventory: work in progress", K.ASSET, PostingRule.WIP),
    ("1320", "Inventory: finished goods", K.ASSET, PostingRule.FINISHED_GOODS),
    ("2000", "Trade payables", K.LIABILITY, PostingRule.PAYABLES),
    ("2100", "GR/IR clearing", K.LIABILITY, PostingRule.GRIR),
    ("2200", "Tax payable", K.LIABILITY, PostingRule.TAX_PAYABLE),
    ("3000", "Share capital", K.EQUITY, PostingRule.EQUITY),
    ("3100", "Retained earnings", K.EQUITY, PostingRule.RETAINED_EARNINGS),
    ("4000", "Sales revenue", K.INCOME, PostingRule.REVENUE),
    ("5000", "Cost of goods sold", K.EXPENSE, PostingRule.COGS),
    ("5100", "Labour absorbed", K.EXPENSE, PostingRule.LABOUR_ABSORBED),
    ("5200", "Production variances", K.EXPENSE, PostingRule.VARIANCE),
    ("5210", "Purchase price variance", K.EXPENSE, PostingRule.PURCHASE_PRICE_VARIANCE),
    ("5300", "Inventory adjustments and scrap", K.EXPENSE, PostingRule.INVENTORY_ADJUSTMENT),
    ("6000", "General expenses", K.EXPENSE, PostingRule.EXPENSES),
    ("6900", "Rounding differences", K.EXPENSE, PostingRule.ROUNDING),
]
STANDARD_JOURNALS = [
    ("SAL", "Sales", JournalKind.SALES),
    ("PUR", "Purchases", JournalKind.PURCHASES),
    ("BNK", "Bank", JournalKind.BANK),
    ("INV", "Inventory", JournalKind.INVENTORY),
    ("MFG", "Manufacturing", JournalKind.MANUFACTURING),
    ("GEN", "General", JournalKind.GENERAL),
]
ACCOUNT_FIELDS = ("code", "name", "kind", "is_active", "description")


@transaction.atomic
def chart_of_accounts_ensure(*, company: Company, actor=None) -> list[Account]:
    """Give the company the standard manufacturing chart, its posting-rule mappings and the six journals.

    Idempotent: an account code, a mapped rule or a journal code the company already has is kept as it is (so
    a company's own changes survive). Returns the template's accounts."""
    existing = {a.code: a for a in Account.objects.filter(company=company)}
    mapped = set(AccountMapping.objects.filter(company=company).values_list("rule", flat=True))
    accounts = []
    for code, name, kind, rule in STANDARD_CHART:
        account = existing.get(code)
        if account is None:
            account = Account.objects.create(company=company, code=code, name=name, kind=kind, role=rule)
        accounts.append(account)
        if rule not in mapped:
            AccountMapping.objects.create(company=company, rule=rule, account=account)
    journals = set(Journal.objects.filter(company=company).values_list("code", flat=True))
    Journal.objects.bulk_create([Journal(company=company, code=code, name=name, kind=kind)
                                 for code, name, kind in STANDARD_JOURNALS if code not in journals])
    return accounts


def account_for(*, company: Company, rule: str) -> Account:
    """The account a posting rule uses in the company (the standard chart is created on first use)."""
    mapping = AccountMapping.objects.select_related("account").filter(company=company, rule=rule).first()
    if mapping is None:
        chart_of_accounts_ensure(company=company)
        mapping = AccountMapping.objects.select_related("account").filter(company=company, rule=rule).first()
    if mapping is None:
        raise DomainError("rule", f"Company {company.code} maps no account to the posting rule '{rule}'.",
                          code="unmapped_rule")
    return mapping.account


def posting_accounts(*, company: Company) -> dict[str, Account]:
    """`{posting rule: account}` of every rule the company maps (one query; `account_for` for one rule)."""
    return {m.rule: m.account for m in AccountMapping.objects.select_related("account").filter(company=company)}


def journal_for(*, company: Company, kind: str) -> Journal:
    """The company's first active journal of a kind (the standard chart and journals are created on first use)."""
    journals = Journal.objects.filter(company=company, kind=kind, is_active=True).order_by("id")
    journal = journals.first()
    if journal is None:
        chart_of_accounts_ensure(company=company)
        journal = journals.first()
    if journal is None:
        raise DomainError("journal", f"Company {company.code} has no active {kind} journal.", code="no_journal")
    return journal


def _check_kind_change(instance: Account, fields: dict) -> None:
    if "kind" in fields and fields["kind"] != instance.kind and instance.lines.exists():
        raise DomainError("kind", f"{instance} has journal lines: its kind cannot change.", code="in_use")


@transaction.atomic
def account_create(*, company: Company, actor, **fields) -> Account:
    """A new account of the company's chart."""
    fields = {k: v for k, v in fields.items() if k in ACCOUNT_FIELDS}
    return record_create(model=Account, actor=actor, company=company, **fields)


@transaction.atomic
def account_update(*, instance: Account, actor, **fields) -> Account:
    """Rename or deactivate an account; its kind is fixed once lines are posted to it."""
    fields = {k: v for k, v in fields.items() if k in ACCOUNT_FIELDS}
    _check_kind_change(instance, fields)
    return record_update(instance=instance, actor=actor, **fields)


@transaction.atomic
def account_delete(*, instance: Account, actor) -> None:
    """Delete an account nothing refers to (else 409 naming what does)."""
    record_delete(instance=instance, actor=actor)


@transaction.atomic
def account_mapping_create(*, company: Company, actor, rule: str, account: Account) -> AccountMapping:
    """Map a posting rule to one of the company's accounts."""
    require_same_company(company, account=account)
    return record_create(model=AccountMapping, actor=actor, company=company, rule=rule, account=account)


@transaction.atomic
def account_mapping_update(*, instance: AccountMapping, actor, **fields) -> AccountMapping:
    """Point a posting rule at another account of the company."""
    account = fields.get("account")
    require_same_company(instance.company_id, account=account)
    return record_update(instance=instance, actor=actor, **{k: v for k, v in fields.items()
                                                            if k in ("rule", "account")})
