"""Read queries of core shared by every module: a company's exchange rates."""

import datetime
from decimal import Decimal

from apps.core.errors import DomainError
from apps.core.models import Company, Currency, ExchangeRate

RATE_PLACES = Decimal("0.00000001")


def exchange_rate_or_none(*, company: Company, currency: Currency, date: datetime.date) -> Decimal | None:
    """Company-currency units per unit of `currency` from the company's own latest rate on or before `date`
    (a direct rate, else the inverse of the opposite one), or None when the company has no such rate."""
    if currency.pk == company.currency_id:
        return Decimal(1)
    rates = ExchangeRate.objects.filter(company=company, date__lte=date).order_by("-date", "-id")
    direct = rates.filter(base=currency, quote_id=company.currency_id).values_list("rate", flat=True).first()
    if direct is not None:
        return direct
    inverse = rates.filter(base_id=company.currency_id, quote=currency).values_list("rate", flat=True).first()
    if inverse is not None:
        return (Decimal(1) / inverse).quantize(RATE_PLACES)
    return None


def exchange_rate(*, company: Company, currency: Currency, date: datetime.date, field: str = "currency") -> Decimal:
    """As `exchange_rate_or_none`, but a missing rate is a DomainError naming it (and `field`)."""
    rate = exchange_rate_or_none(company=company, currency=currency, date=date)
    if rate is None:
        raise DomainError(field, f"No exchange rate from {currency.code} to {company.currency.code} on or before "
                                 f"{date.isoformat()} in company {company.code}: Finance enters it under Exchange "
                                 "rates.", code="no_exchange_rate")
    return rate
