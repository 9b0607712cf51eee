"""Serializers of the ERP API (API.md: erp/accounts/, erp/journal-entries/, erp/periods/, erp/reports/...,
erp/employees/, erp/departments/)."""

from rest_framework import serializers

from apps.core.api.serializers import (
    ScopedPrimaryKeyRelatedField,
    SuiteChildSerializer,
    SuiteModelSerializer,
    SuiteSerializer,
    WorkflowFieldsMixin,
)
from apps.core.models import Company, Currency
from apps.erp.choices import PostingRule
from apps.erp.models import (
    Account,
    AccountMapping,
    Department,
    Employee,
    FiscalYear,
    Journal,
    JournalEntry,
    JournalLine,
    Period,
    TimeOff,
)

MONEY = {"max_digits": 18, "decimal_places": 2}


# ---- chart of accounts ---------------------------------------------------------------------------------------
class AccountSerializer(SuiteModelSerializer):
    role = serializers.ChoiceField(choices=PostingRule.choices, read_only=True, allow_blank=True,
                                   help_text="The posting rule of the standard chart the account was created for; "
                                             "blank for the company's own accounts.")

    class Meta:
        model = Account
        fields = ["id", "company", "code", "name", "kind", "role", "is_active", "description", "created_at",
                  "updated_at"]


class AccountMappingSerializer(SuiteModelSerializer):
    account_code = serializers.CharField(source="account.code", read_only=True)

    class Meta:
        model = AccountMapping
        fields = ["id", "company", "rule", "account", "account_code", "created_at", "updated_at"]


class JournalSerializer(SuiteModelSerializer):
    class Meta:
        model = Journal
        fields = ["id", "company", "code", "name", "kind", "is_active", "created_at", "updated_at"]


# ---- periods -------------------------------------------------------------------------------------------------
class FiscalYearSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    year = serializers.IntegerField(min_value=1900, max_value=2999)

    class Meta:
        model = FiscalYear
        fields = ["id", "company", "year", "start", "end", "status", "closing_entry", "closed_at", "closed_by",
                  "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["start", "end", "status", "closing_entry", "closed_at", "closed_by"]


class PeriodSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    class Meta:
        model = Period
        fields = ["id", "company", "fiscal_year", "number", "start", "end", "status", "closed_at", "closed_by",
                  "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = fields


# ---- entries -------------------------------------------------------------------------------------------------
class JournalLineSerializer(SuiteChildSerializer):
    account_code = serializers.CharField(source="account.code", read_only=True)
    currency = serializers.SlugRelatedField(slug_field="code", queryset=Currency.objects.all(), required=False,
                                            allow_null=True, help_text="Default: the company's currency.")
    amount = serializers.DecimalField(**MONEY, required=False, allow_null=True,
                                      help_text="In the line's currency, + debit, - credit; required for a "
                                                "foreign currency (debit/credit then follow at the day's rate).")
    debit = serializers.DecimalField(**MONEY, required=False, allow_null=True, min_value=0,
                                     help_text="In the company's currency.")
    credit = serializers.DecimalField(**MONEY, required=False, allow_null=True, min_value=0,
                                      help_text="In the company's currency.")

    class Meta:
        model = JournalLine
        fields = ["id", "line_number", "account", "account_code", "description", "party", "currency", "amount",
                  "exchange_rate", "debit", "credit"]
        read_only_fields = ["line_number", "exchange_rate"]


class JournalEntrySerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    lines = JournalLineSerializer(many=True, required=False)
    source = serializers.CharField(read_only=True, help_text="The source document as `app_label.model:id`, else "
                                                             "the text reference (`source_text`).")
    reversal_of = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = JournalEntry
        fields = ["id", "company", "number", "journal", "date", "memo", "status", "period", "lines", "total_debit",
                  "total_credit", "source", "source_text", "source_event_id", "reversed_by", "reversal_of",
                  "posted_at", "posted_by", "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["number", "status", "period", "total_debit", "total_credit", "reversed_by",
                            "posted_at", "posted_by", "source_event_id"]


class ReverseInputSerializer(SuiteSerializer):
    date = serializers.DateField(required=False, allow_null=True,
                                 help_text="Date of the mirror entry; default: the original's date.")
    memo = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


# ---- reports -------------------------------------------------------------------------------------------------
class ReportQuerySerializer(SuiteSerializer):
    company = ScopedPrimaryKeyRelatedField(queryset=Company.objects.all(), required=False,
                                           help_text="Company id; default: your only company with the right.")


class AtDateQuerySerializer(ReportQuerySerializer):
    date = serializers.DateField(required=False, help_text="Up to and including this day; default: today.")


class RangeQuerySerializer(ReportQuerySerializer):
    date_from = serializers.DateField(required=False, help_text="Default: 1 January of `date_to`'s year.")
    date_to = serializers.DateField(required=False, help_text="Default: today.")


class LedgerQuerySerializer(RangeQuerySerializer):
    account = ScopedPrimaryKeyRelatedField(queryset=Account.objects.all())
    date_from = serializers.DateField(required=False, help_text="Default: from the first entry.")


class BalanceRowSerializer(SuiteSerializer):
    account = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    debit = serializers.DecimalField(max_digits=20, decimal_places=2)
    credit = serializers.DecimalField(max_digits=20, decimal_places=2)
    balance = serializers.DecimalField(max_digits=20, decimal_places=2, help_text="Debit - credit.")


class TotalsSerializer(SuiteSerializer):
    debit = serializers.DecimalField(max_digits=20, decimal_places=2)
    credit = serializers.DecimalField(max_digits=20, decimal_places=2)
    balance = serializers.DecimalField(max_digits=20, decimal_places=2, help_text="Zero when the books balance.")


class TrialBalanceSerializer(SuiteSerializer):
    company = serializers.IntegerField()
    currency = serializers.CharField()
    date = serializers.DateField()
    rows = BalanceRowSerializer(many=True)
    totals = TotalsSerializer()


class StatementRowSerializer(BalanceRowSerializer):
    amount = serializers.DecimalField(max_digits=20, decimal_places=2,
                                      help_text="The balance as the account's kind shows it.")


class ProfitAndLossSerializer(SuiteSerializer):
    company = serializers.IntegerField()
    currency = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    income = StatementRowSerializer(many=True)
    expenses = StatementRowSerializer(many=True)
    total_income = serializers.DecimalField(max_digits=20, decimal_places=2)
    total_expenses = serializers.DecimalField(max_digits=20, decimal_places=2)
    result = serializers.DecimalField(max_digits=20, decimal_places=2)


class BalanceSheetSerializer(SuiteSerializer):
    company = serializers.IntegerField()
    currency = serializers.CharField()
    date = serializers.DateField()
    assets = StatementRowSerializer(many=True)
    liabilities = StatementRowSerializer(many=True)
    equity = StatementRowSerializer(many=True)
    result = serializers.DecimalField(max_digits=20, decimal_places=2,
                                      help_text="Income - expenses up to the date, not yet closed into equity.")
    total_assets = serializers.DecimalField(max_digits=20, decimal_places=2)
    total_liabilities = serializers.DecimalField(max_digits=20, decimal_places=2)
    total_equity = serializers.DecimalField(max_digits=20, decimal_places=2)
    total_liabilities_and_equity = serializers.DecimalField(max_digits=20, decimal_places=2)


class LedgerRowSerializer(SuiteSerializer):
    line = serializers.IntegerField()
    entry = serializers.IntegerField()
    number = serializers.CharField()
    date = serializers.DateField()
    memo = serializers.CharField()
    description = serializers.CharField()
    party = serializers.IntegerField(allow_null=True)
    debit = serializers.DecimalField(max_digits=20, decimal_places=2)
    credit = serializers.DecimalField(max_digits=20, decimal_places=2)
    balance = serializers.DecimalField(max_digits=20, decimal_places=2, help_text="Running balance after the line.")


class GeneralLedgerSerializer(SuiteSerializer):
    company = serializers.IntegerField()
    currency = serializers.CharField()
    account = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    opening_balance = serializers.DecimalField(max_digits=20, decimal_places=2)
    closing_balance = serializers.DecimalField(max_digits=20, decimal_places=2)
    rows = LedgerRowSerializer(many=True)


class StockItemSerializer(SuiteSerializer):
    item = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    item_type = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=20, decimal_places=4)
    value = serializers.DecimalField(max_digits=20, decimal_places=2)


class ValuationCategorySerializer(SuiteSerializer):
    category = serializers.ChoiceField(choices=["raw_material", "finished_goods", "wip"])
    label = serializers.CharField()
    stock_value = serializers.DecimalField(max_digits=20, decimal_places=2,
                                           help_text="SCM's stock value (WIP: the open work orders' value).")
    account = serializers.IntegerField(allow_null=True, help_text="The account mapped to the posting rule.")
    account_code = serializers.CharField()
    account_name = serializers.CharField()
    account_balance = serializers.DecimalField(max_digits=20, decimal_places=2, help_text="Debit - credit.")
    difference = serializers.DecimalField(max_digits=20, decimal_places=2, help_text="Stock value - balance.")


class ValuationTotalsSerializer(SuiteSerializer):
    stock_value = serializers.DecimalField(max_digits=20, decimal_places=2)
    account_balance = serializers.DecimalField(max_digits=20, decimal_places=2)
    difference = serializers.DecimalField(max_digits=20, decimal_places=2)


class InventoryValuationSerializer(SuiteSerializer):
    company = serializers.IntegerField()
    currency = serializers.CharField()
    date = serializers.DateField()
    items = StockItemSerializer(many=True)
    categories = ValuationCategorySerializer(many=True)
    totals = ValuationTotalsSerializer()


# ---- HR ------------------------------------------------------------------------------------------------------
class DepartmentSerializer(SuiteModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "company", "code", "name", "created_at", "updated_at"]


class EmployeeSerializer(SuiteModelSerializer):
    class Meta:
        model = Employee
        fields = ["id", "company", "number", "name", "user", "department", "hourly_cost", "active", "created_at",
                  "updated_at"]


class TimeOffSerializer(SuiteModelSerializer):
    class Meta:
        model = TimeOff
        fields = ["id", "company", "employee", "kind", "start", "end", "note", "created_at", "updated_at"]
