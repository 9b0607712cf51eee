"""Unit-of-measure conversion within a category (kg↔g, h↔min)."""

from decimal import Decimal

from apps.core.errors import DomainError
from apps.core.models import UnitOfMeasure


def convertible(from_uom: UnitOfMeasure, to_uom: UnitOfMeasure) -> bool:
    """True when both units measure the same thing (same category)."""
    return from_uom.category_id == to_uom.category_id


def convert_quantity(quantity: Decimal, from_uom: UnitOfMeasure, to_uom: UnitOfMeasure, *,
                     field: str = "uom") -> Decimal:
    """`quantity` in `from_uom` expressed in `to_uom`; a unit of another category raises DomainError."""
    if from_uom.pk == to_uom.pk:
        return Decimal(quantity)
    if not convertible(from_uom, to_uom):
        raise DomainError(field, f"Unit {from_uom.code} ({from_uom.category}) cannot be converted to "
                                 f"{to_uom.code} ({to_uom.category}).", code="uom_category_mismatch")
    return Decimal(quantity) * from_uom.factor / to_uom.factor
