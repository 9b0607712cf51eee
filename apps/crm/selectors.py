"""Read queries of CRM shared by the UI, the API, the services and the benchmark.

* `price_for`: the unit price of an item for a customer from the most specific valid price list.
* `pipeline_board`: the board's columns with counts, totals, weighted totals and the first cards, in three queries
  whatever the number of opportunities.
* `sales_forecast`: weighted pipeline and won amounts by month and owner against the targets, in three queries.
* `lead_duplicates`, `Availability` (available-to-promise), `customer_overview`, `my_activities`.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Case, Count, DateField, DecimalField, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Cast, Lower, TruncMonth

from apps.core.models import Company, Party
from apps.crm.choices import OPEN_CASE_STATUSES, OpportunityStatus
from apps.crm.models import (
    Activity,
    CustomerProfile,
    Lead,
    Opportunity,
    PipelineStage,
    PriceBreak,
    SalesTarget,
    ServiceCase,
    TimelineEntry,
)
from apps.scm.selectors import stock_available

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
BOARD_CARDS = 20
_MONEY = DecimalField(max_digits=24, decimal_places=6)


def cents(value: Decimal | None) -> Decimal:
    """Money to the cent, half up (sums of weighted amounts are rounded once, at the end)."""
    return (value or ZERO).quantize(CENT, rounding=ROUND_HALF_UP)


# ---- prices --------------------------------------------------------------------------------------------------
def price_for(*, company: Company, customer: Party | None, item, quantity: Decimal, currency,
              date: datetime.date) -> PriceBreak | None:
    """The price break that prices `quantity` of `item` for `customer` in `currency` on `date`, or None.

    Among the company's active price lists in that currency valid on that date (no `valid_from`/`valid_to` means
    open-ended), the most specific one that prices the item at this quantity wins: the customer's own list, then
    its segment's, then a general one (ties: the most recent `valid_from`, then the newest list). Within the list
    the best break is the one with the largest minimum quantity not above `quantity`.
    """
    scope = Q(price_list__customer=None, price_list__segment=None)
    segment_id = None
    if customer is not None:
        scope |= Q(price_list__customer=customer)
        segment_id = CustomerProfile.objects.filter(party=customer).values_list("segment_id", flat=True).first()
        if segment_id:
            scope |= Q(price_list__segment_id=segment_id)
    specificity = Case(When(price_list__customer__isnull=False, then=Value(0)),
                       When(price_list__segment__isnull=False, then=Value(1)), default=Value(2))
    return (PriceBreak.objects
            .filter(scope, price_list__company=company, price_list__currency=currency, price_list__is_active=True,
                    item=item, min_quantity__lte=quantity)
            .filter(Q(price_list__valid_from=None) | Q(price_list__valid_from__lte=date),
                    Q(price_list__valid_to=None) | Q(price_list__valid_to__gte=date))
            .annotate(specificity=specificity).select_related("price_list")
            .order_by("specificity", F("price_list__valid_from").desc(nulls_last=True), "-price_list_id",
                      "-min_quantity")
            .first())


# ---- the board -----------------------------------------------------------------------------------------------
@dataclass
class BoardColumn:
    """One stage of the board: how many opportunities, their totals (company currency) and the first cards."""

    stage: PipelineStage
    count: int
    total: Decimal
    weighted_total: Decimal
    cards: list[Opportunity] = field(default_factory=list)


# what a card shows (and links to): loading only these keeps the board's first load cheap
CARD_FIELDS = ("company_id", "number", "title", "amount", "amount_company_currency", "probability", "expected_close",
               "closed_on", "status", "stage_id", "customer__number", "customer__name", "owner__username",
               "owner__first_name", "owner__last_name", "currency__code", "currency__decimals")


def pipeline_board(*, company: Company, owner=None, cards: int = BOARD_CARDS) -> list[BoardColumn]:
    """The columns of the pipeline in stage order, each with its count, total, weighted total (sum of amount x
    probability / 100, rounded to the cent once) and its first `cards` opportunities: by expected close, then id,
    in an open stage; the latest closed first in the won and the lost stage (last year's wins are not news).

    Three queries whatever the number of opportunities: the stages with the ids of their first cards (a per-stage
    LIMIT in a correlated subquery that reads the (stage, expected_close, id) index), the totals per stage (one
    GROUP BY over the company's opportunities, aggregated before anything is joined to them), and the cards with
    their customers, owners and currencies.
    """
    opportunities = Opportunity.objects.filter(company=company)
    first_cards = Opportunity.objects.filter(stage=OuterRef("pk"))
    if owner is not None:
        opportunities, first_cards = opportunities.filter(owner=owner), first_cards.filter(owner=owner)
    open_cards = ArraySubquery(first_cards.order_by("expected_close", "id").values("id")[:cards])
    latest_closed = ArraySubquery(
        first_cards.order_by(F("closed_on").desc(nulls_last=True), "-id").values("id")[:cards])
    stages = list(PipelineStage.objects.filter(company=company)
                  .annotate(card_ids=Case(When(Q(is_won=True) | Q(is_lost=True), then=latest_closed),
                                          default=open_cards))
                  .order_by("order", "id"))
    totals = {row["stage_id"]: row for row in opportunities.order_by().values("stage_id").annotate(
        count=Count("id"), total=Sum("amount_company_currency"),
        weighted=Sum(F("amount_company_currency") * F("probability") / 100, output_field=_MONEY))}
    ids = [pk for stage in stages for pk in stage.card_ids]
    by_id = {o.pk: o for o in Opportunity.objects.filter(pk__in=ids).order_by()
             .select_related("customer", "owner", "currency").only(*CARD_FIELDS)} if ids else {}
    empty = {"count": 0, "total": ZERO, "weighted": ZERO}
    return [BoardColumn(stage=stage, count=totals.get(stage.pk, empty)["count"],
                        total=cents(totals.get(stage.pk, empty)["total"]),
                        weighted_total=cents(totals.get(stage.pk, empty)["weighted"]),
                        cards=[by_id[pk] for pk in stage.card_ids])
            for stage in stages]


# ---- the forecast --------------------------------------------------------------------------------------------
def _empty() -> dict:
    return {"pipeline": ZERO, "weighted": ZERO, "won": ZERO, "target": ZERO, "open_count": 0, "won_count": 0}


def _with_ratio(row: dict) -> dict:
    for key in ("pipeline", "weighted", "won", "target"):
        row[key] = cents(row[key])
    row["won_vs_target_percent"] = cents(row["won"] * 100 / row["target"]) if row["target"] else None
    return row


def sales_forecast(*, company: Company, year: int, owner=None) -> dict:
    """The year's forecast by month and owner, in company currency.

    Open opportunities count in the month of their expected close (`pipeline` = Σ amount, `weighted` = Σ amount
    x probability / 100), won ones in the month they were won (`won`); lost ones and open ones without an
    expected close are left out. `target` is the owners' sales targets. Sums are rounded to the cent once.
    Three queries: the opportunities grouped by month and owner, the targets, the owners' names.
    """
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    is_open, is_won = Q(status=OpportunityStatus.OPEN), Q(status=OpportunityStatus.WON)
    opportunities = Opportunity.objects.filter(company=company).filter(
        (is_open & Q(expected_close__range=(start, end))) | (is_won & Q(closed_on__range=(start, end))))
    targets = SalesTarget.objects.filter(company=company, month__range=(start, end))
    if owner is not None:
        opportunities, targets = opportunities.filter(owner=owner), targets.filter(owner=owner)
    grouped = (opportunities
               # ::date in SQL: DATE_TRUNC gives a timestamp, and Trunc's own conversion does not apply inside Case
               .annotate(month=Cast(Case(When(is_won, then=TruncMonth("closed_on")),
                                         default=TruncMonth("expected_close")), output_field=DateField()))
               .values("month", "owner_id")
               .annotate(pipeline=Sum("amount_company_currency", filter=is_open),
                         weighted=Sum(F("amount_company_currency") * F("probability") / 100, filter=is_open,
                                      output_field=_MONEY),
                         won=Sum("amount_company_currency", filter=is_won),
                         open_count=Count("id", filter=is_open), won_count=Count("id", filter=is_won))
               .order_by())
    cells: dict[tuple, dict] = defaultdict(_empty)
    for row in grouped:
        cell = cells[(row["month"], row["owner_id"])]
        for key in ("pipeline", "weighted", "won"):
            cell[key] += row[key] or ZERO
        cell["open_count"] += row["open_count"]
        cell["won_count"] += row["won_count"]
    for target in targets.values("month", "owner_id", "amount"):
        cells[(target["month"], target["owner_id"])]["target"] += target["amount"]
    names = {user.pk: user.get_full_name() or user.username
             for user in get_user_model().objects.filter(pk__in={o for _m, o in cells if o})}
    months = {datetime.date(year, m, 1): _empty() for m in range(1, 13)}
    owners: dict[int | None, dict] = {}
    totals = _empty()
    rows = []
    for (month, owner_id), cell in sorted(cells.items(), key=lambda kv: (kv[0][0], names.get(kv[0][1], ""))):
        for bucket in (months[month], owners.setdefault(owner_id, _empty()), totals):
            for key, value in cell.items():
                bucket[key] += value
        rows.append(_with_ratio({"month": month, "owner": owner_id, "owner_name": names.get(owner_id, "(nobody)"),
                                 **cell}))
    return {
        "year": year,
        "currency": company.currency.code,
        "rows": rows,
        "months": [_with_ratio({"month": month, **cell}) for month, cell in months.items()],
        "owners": [_with_ratio({"owner": owner_id, "owner_name": names.get(owner_id, "(nobody)"), **cell})
                   for owner_id, cell in sorted(owners.items(), key=lambda kv: names.get(kv[0], ""))],
        "totals": _with_ratio(totals),
    }


# ---- leads, quotes, customers, activities --------------------------------------------------------------------
def lead_duplicates(*, lead: Lead) -> QuerySet[Lead]:
    """Other leads of the company with the same e-mail (case-insensitive) or the same normalized company name,
    not already merged into another lead."""
    match = Q()
    if lead.email:
        match |= Q(email_ci=lead.email.lower())
    if lead.company_key:
        match |= Q(company_key=lead.company_key)
    if not match:
        return Lead.objects.none()
    return (Lead.objects.annotate(email_ci=Lower("email")).filter(match, company_id=lead.company_id,
                                                                  merged_into=None)
            .exclude(pk=lead.pk).order_by("id"))


class Availability:
    """Available-to-promise of items: on hand - reserved (quality hold excluded) over the company's internal
    locations, from SCM's `stock_available`; each item is looked up once."""

    def __init__(self) -> None:
        self._by_item: dict[int, Decimal] = {}

    def of(self, item) -> Decimal:
        if item.pk not in self._by_item:
            self._by_item[item.pk] = stock_available(item=item)
        return self._by_item[item.pk]


def customer_overview(*, customer: Party, timeline_limit: int = 50) -> dict:
    """Everything CRM knows about a customer for its 360 page (a fixed number of queries)."""
    return {
        "customer": customer,
        "profile": CustomerProfile.objects.filter(party=customer).select_related("owner", "segment").first(),
        "contacts": list(customer.contacts.all()),
        "addresses": list(customer.addresses.all()),
        "opportunities": list(customer.crm_opportunities.select_related("stage", "owner", "currency")
                              .order_by("status", "expected_close", "-id")),
        "quotes": list(customer.crm_quotes.select_related("currency").order_by("-id")),
        "cases": list(customer.crm_cases.select_related("item", "owner").order_by("-id")),
        "open_cases": ServiceCase.objects.filter(customer=customer, status__in=OPEN_CASE_STATUSES).count(),
        "activities": list(customer.crm_activities.select_related("owner").order_by("done", "due_at")),
        "timeline": list(TimelineEntry.objects.filter(customer=customer)[:timeline_limit]),
    }


def my_activities(*, user, company_id: int, include_done: bool = False) -> QuerySet[Activity]:
    """The user's activities in a company, open ones first by due time."""
    activities = Activity.objects.filter(company_id=company_id, owner=user).select_related("customer",
                                                                                           "target_type")
    if not include_done:
        activities = activities.filter(done=False)
    return activities.order_by("done", "due_at", "id")
