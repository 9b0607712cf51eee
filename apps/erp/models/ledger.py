"""The books: chart of accounts and its posting-rule mapping, journals, journal entries and their lines, fiscal
years and their monthly periods."""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.core.workflow import Transition, Workflow
from apps.erp.choices import AccountKind, EntryStatus, JournalKind, PeriodStatus, PostingRule

MONEY = {"max_digits": 18, "decimal_places": 2}
ZERO = Decimal(0)
E_ = EntryStatus


class Account(CompanyOwnedModel):
    """An account of the company's chart: a code, a name and its kind (asset, liability, equity, income,
    expense); `role` says which posting rule of the standard template it was created for, if any."""

    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=AccountKind.choices)
    role = models.CharField(max_length=30, choices=PostingRule.choices, blank=True, editable=False,
                            help_text="The posting rule of the standard chart this account was created for.")
    is_active = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="erp_account_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("erp:account_detail", args=[self.pk])


class AccountMapping(CompanyOwnedModel):
    """Which account a posting rule (`inventory`, `grir`, `cogs`...) of the company uses."""

    rule = models.CharField(max_length=30, choices=PostingRule.choices)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="mappings")

    class Meta:
        ordering = ["rule"]
        constraints = [models.UniqueConstraint(fields=["company", "rule"], name="erp_accountmapping_rule_unique")]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} → {self.account.code}"

    def get_absolute_url(self) -> str:
        return reverse("erp:accountmapping_detail", args=[self.pk])


class Journal(CompanyOwnedModel):
    """A book of entries of one kind (sales, purchases, bank, inventory, manufacturing, general); its entries
    are numbered from its own sequence (`<code>-<year>-00001`)."""

    code = models.CharField(max_length=10, help_text="Also the prefix of the entries' numbers.")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=15, choices=JournalKind.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="erp_journal_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("erp:journal_detail", args=[self.pk])


class FiscalYear(CompanyOwnedModel):
    """A company's fiscal year (a calendar year), split into twelve monthly periods. Closing it (all periods
    closed) posts its closing entry (income and expenses to retained earnings); reopening reverses that entry."""

    year = models.PositiveSmallIntegerField()
    start = models.DateField(editable=False)
    end = models.DateField(editable=False)
    status = models.CharField(max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN,
                              editable=False)
    closing_entry = models.OneToOneField("JournalEntry", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="closes_year", editable=False,
                                         help_text="Income and expense accounts to retained earnings.")
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", editable=False)

    workflow = Workflow("status", {
        "close": Transition(sources=[PeriodStatus.OPEN], target=PeriodStatus.CLOSED, style="outline-secondary",
                            label="Close the year",
                            confirm="Close this fiscal year? Its income and expense accounts are closed into "
                                    "retained earnings (every period must be closed).",
                            message="{object} closed."),
        "reopen": Transition(sources=[PeriodStatus.CLOSED], target=PeriodStatus.OPEN, style="outline-warning",
                             permission="erp.reopen_period", label="Reopen the year",
                             confirm="Reopen this fiscal year? Its closing entry is reversed.",
                             message="{object} reopened."),
    })

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["company", "year"], name="erp_fiscalyear_unique"),
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="erp_fiscalyear_dates"),
        ]

    def __str__(self) -> str:
        return f"FY {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("erp:fiscalyear_detail", args=[self.pk])


class Period(CompanyOwnedModel):
    """A month of a fiscal year; entries are posted only into an open period. Closing needs every event of the
    company in the period delivered; reopening is a finance manager's (`erp.reopen_period`)."""

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.CASCADE, related_name="periods", editable=False)
    number = models.PositiveSmallIntegerField(editable=False)
    start = models.DateField(editable=False)
    end = models.DateField(editable=False)
    status = models.CharField(max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN,
                              editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", editable=False)

    workflow = Workflow("status", {
        "close": Transition(sources=[PeriodStatus.OPEN], target=PeriodStatus.CLOSED, style="outline-secondary",
                            confirm="Close this period? Nothing can be posted into it afterwards.",
                            message="{object} closed."),
        "reopen": Transition(sources=[PeriodStatus.CLOSED], target=PeriodStatus.OPEN, style="outline-warning",
                             permission="erp.reopen_period", confirm="Reopen this closed period?",
                             message="{object} reopened."),
    })

    class Meta:
        ordering = ["-start"]
        permissions = [("reopen_period", "Can reopen a closed period (finance manager)")]
        constraints = [
            models.UniqueConstraint(fields=["company", "start"], name="erp_period_start_unique"),
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="erp_period_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("erp:period_detail", args=[self.pk])


class JournalEntry(CompanyOwnedModel):
    """A journal entry: dated lines of debits and credits in the company's currency that balance. A draft is
    edited; posting numbers it and makes it immutable; reversing posts its mirror entry once."""

    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="entries")
    number = models.CharField(max_length=30, blank=True, editable=False, help_text="Drawn when posted.")
    date = models.DateField()
    memo = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=EntryStatus.choices, default=E_.DRAFT, editable=False)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, null=True, blank=True, related_name="entries",
                               editable=False)
    total_debit = models.DecimalField(**MONEY, default=ZERO, editable=False)
    total_credit = models.DecimalField(**MONEY, default=ZERO, editable=False)
    source_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    editable=False)
    source_id = models.CharField(max_length=64, blank=True, editable=False)
    source_text = models.CharField("source", max_length=200, blank=True,
                                   help_text="The document this entry comes from (a reference in words).")
    # the `core.Event` an automatic posting comes from: a plain number, not a foreign key, so the outbox may purge
    # delivered events; unique, so an event is posted once whoever delivers it how often
    source_event_id = models.BigIntegerField(null=True, blank=True, editable=False,
                                             help_text="The event this entry was posted from (posting rules).")
    reversed_by = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="reversal_of", editable=False)
    posted_at = models.DateTimeField(null=True, blank=True, editable=False)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", editable=False)
    is_closing = models.BooleanField(default=False, editable=False,
                                     help_text="A fiscal year's closing entry (or its reversal): left out of the "
                                               "profit and loss.")

    workflow = Workflow("status", {
        "post": Transition(sources=[E_.DRAFT], target=E_.POSTED, style="success",
                           confirm="Post this entry? Posted entries cannot be changed, only reversed.",
                           message="{object} posted."),
        "reverse": Transition(sources=[E_.POSTED], target=E_.REVERSED, style="outline-danger",
                              guard=lambda entry: entry.reversal_refusal(),
                              confirm="Reverse this entry? Its mirror entry is posted.",
                              message="{object} reversed."),
    })

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "journal entries"
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], condition=~models.Q(number=""),
                                    name="erp_journalentry_number_unique"),
            models.CheckConstraint(condition=models.Q(status=E_.DRAFT) | ~models.Q(number=""),
                                   name="erp_journalentry_posted_numbered"),
            models.UniqueConstraint(fields=["source_event_id"], condition=models.Q(source_event_id__isnull=False),
                                    name="erp_journalentry_once_per_event"),
        ]
        indexes = [models.Index(fields=["company", "status", "date"]),
                   models.Index(fields=["company", "date"], condition=models.Q(is_closing=True),
                                name="erp_entry_closing_idx")]

    def __str__(self) -> str:
        return self.number or f"Draft #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("erp:journalentry_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        """Only a draft is edited or deleted; a posted entry is reversed instead."""
        return self.status != E_.DRAFT

    @property
    def source(self) -> str:
        """The source document as `app_label.model:id`, else the text reference."""
        if self.source_type_id:
            ct = ContentType.objects.get_for_id(self.source_type_id)
            return f"{ct.app_label}.{ct.model}:{self.source_id}"
        return self.source_text

    @property
    def source_document(self) -> models.Model | None:
        """The source document itself (a receipt, shipment, work order, count, move...) when it still exists in the
        entry's company, for a link on the entry's page; else None."""
        if not self.source_type_id or not self.source_id:
            return None
        model = ContentType.objects.get_for_id(self.source_type_id).model_class()
        if model is None:
            return None
        document = model._base_manager.filter(pk=self.source_id).first()
        if document is None:
            return None
        owner = getattr(document, "company_id", None)
        if owner is None and (path := getattr(model, "company_path", None)):
            owner = model._base_manager.filter(pk=document.pk).values_list(f"{path}_id" if not path.endswith(
                "_id") else path, flat=True).first()
        return document if owner == self.company_id else None

    # the documents whose postings are corrected through the document (reversed, credited), never by hand
    DOCUMENT_MODELS = ("invoice", "vendorbill", "payment")

    def owner_refusal(self) -> str | None:
        """Why the entry must not be reversed by hand: it books another module's event (a receipt, shipment, stock
        move or completion: correcting it there posts the correction) or a document of ERP's (reverse or credit
        that). None for a manual entry."""
        if self.source_event_id is not None:
            return (f"{self} books {self.source_text or self.source}: correct it where it happened (a reversed "
                    "stock move or receipt posts its own entry), so the inventory accounts keep equal to the stock.")
        if self.source_type_id and ContentType.objects.get_for_id(self.source_type_id).model in self.DOCUMENT_MODELS:
            return f"{self} is the posting of {self.source_text or self.source}: reverse or credit that document."
        return None

    def reversal_refusal(self) -> str | None:
        """Why the entry cannot be reversed now (a reversal is not reversed again; the entry of a document or of
        another module's event is corrected there, unless that document's service is reversing it), else None."""
        if not getattr(self, "reversing_through_document", False) and (refusal := self.owner_refusal()):
            return refusal
        if self.reversed_by_id is not None:
            return f"{self} is already reversed."
        if self.is_closing:
            return f"{self} is a fiscal year's closing entry: reopen the year instead."
        try:
            original = self.reversal_of
        except JournalEntry.DoesNotExist:
            return None
        return f"{self} is the reversal of {original}; post a new entry instead."


class JournalLine(models.Model):
    """A debit or a credit to an account, in the company's currency (`debit`/`credit`), from an amount in the
    line's currency (`amount`, signed: + debit, - credit) at `exchange_rate`."""

    # indexed by erp_line_entry_cover (entry, then account, debit, credit): an entry's lines, and the reports' sums
    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="lines", db_index=False)
    line_number = models.PositiveIntegerField(default=1)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    description = models.CharField(max_length=200, blank=True)
    party = models.ForeignKey("core.Party", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+", blank=True,
                                 help_text="Default: the company's currency.")
    amount = models.DecimalField("amount in currency", **MONEY, default=ZERO, blank=True,
                                 help_text="In the line's currency, positive a debit, negative a credit; required "
                                           "for a foreign currency (debit/credit follow at the day's rate).")
    exchange_rate = models.DecimalField(max_digits=18, decimal_places=8, default=Decimal(1), editable=False)
    debit = models.DecimalField(**MONEY, default=ZERO, blank=True, help_text="In the company's currency.")
    credit = models.DecimalField(**MONEY, default=ZERO, blank=True, help_text="In the company's currency.")

    company_path = "entry__company"

    class Meta:
        ordering = ["entry", "line_number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(debit__gte=0, credit__gte=0), name="erp_line_not_negative"),
            models.CheckConstraint(condition=models.Q(debit=0) | models.Q(credit=0), name="erp_line_one_side"),
            models.CheckConstraint(condition=models.Q(exchange_rate__gt=0), name="erp_line_rate_positive"),
        ]
        indexes = [models.Index(fields=["account", "entry"]),
                   models.Index(fields=["entry"], include=["account", "debit", "credit"],
                                name="erp_line_entry_cover")]

    def __str__(self) -> str:
        return f"{self.entry}/{self.line_number} {self.account.code}"
