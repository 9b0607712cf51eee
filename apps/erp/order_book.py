"""The open order book in the company's currency: each order currency's total converted at core's rates."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from apps.core.models import Company, Currency
from apps.core.money import round_money
from apps.core.selectors import exchange_rate_or_none


@dataclass
class OrderBook:
    """How many orders, their total in the company's currency, and the totals of currencies without a rate."""

    count: int
    total: Decimal
    currency: str
    unconverted: list[tuple[str, Decimal]] = field(default_factory=list)


def order_book_in_company_currency(*, company: Company, rows: list[dict], date: datetime.date) -> OrderBook:
    """`rows`: [{currency (id), n, value}] per order currency; converted at the company's latest rate on or before
    `date` (one lookup per currency); a currency without a rate is reported apart, not summed."""
    currencies = Currency.objects.in_bulk([r["currency"] for r in rows])
    count, total, unconverted = 0, Decimal(0), []
    for row in rows:
        count += row["n"]
        currency, value = currencies[row["currency"]], row["value"] or Decimal(0)
        rate = exchange_rate_or_none(company=company, currency=currency, date=date)
        if rate is None:
            unconverted.append((currency.code, value))
        else:
            total += round_money(value * rate, company.currency)
    return OrderBook(count=count, total=total, currency=company.currency.code, unconverted=unconverted)
