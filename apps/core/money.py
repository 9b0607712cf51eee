"""Money in a currency: amounts are rounded half up to the currency's number of decimals (EUR 2, JPY 0), one line
or one conversion at a time, wherever the suite prices, converts or posts."""

from decimal import ROUND_HALF_UP, Decimal


def round_money(value, currency) -> Decimal:
    """Half up to the currency's decimals."""
    return Decimal(value).quantize(Decimal(1).scaleb(-currency.decimals), rounding=ROUND_HALF_UP)
