"""Bulk import of items from CSV or XLSX (tablib): a dry run previews every row and its errors.

Columns: number, name, description, item_type, uom (code), tracking, category (name),
standard_cost. A known number updates that item, a new number creates one. Nothing is
written unless every row is valid and `dry_run` is false.
"""

from decimal import Decimal, InvalidOperation

import tablib
from django.db import transaction

from apps.core.errors import DomainError
from apps.core.imports import MAX_ROWS, ImportResult, ImportRow, cell_text, read_dataset
from apps.core.models import Company, UnitOfMeasure
from apps.plm.choices import ItemType, Tracking
from apps.plm.models import Item, ItemCategory
from apps.plm.models.items import ITEM_NUMBER_RULE
from apps.plm.services.items import item_create, item_nature_refusal, item_update

COLUMNS = ["number", "name", "description", "item_type", "uom", "tracking", "category", "standard_cost"]
REQUIRED = ["number", "name", "uom"]

__all__ = ["COLUMNS", "MAX_ROWS", "ImportResult", "ImportRow", "items_import", "read_dataset"]
def _parse_row(raw: dict, company: Company, units: dict, categories: dict) -> tuple[dict, dict[str, str]]:
    values, errors = {}, {}
    for name in REQUIRED:
        if not cell_text(raw.get(name)):
            errors[name] = "Required."
    number = cell_text(raw.get("number")).upper()
    if number:
        try:
            ITEM_NUMBER_RULE(number)
        except Exception as exc:
            errors["number"] = " ".join(exc.messages)
    values["number"] = number
    values["name"] = cell_text(raw.get("name"))[:200]
    values["description"] = cell_text(raw.get("description"))
    for name, choices, default in (("item_type", ItemType, ItemType.BUY), ("tracking", Tracking, Tracking.NONE)):
        value = cell_text(raw.get(name)).lower() or default
        if value not in choices.values:
            errors[name] = f"'{value}' is not one of {', '.join(choices.values)}."
        values[name] = value
    uom_code = cell_text(raw.get("uom"))
    if uom_code:
        if uom_code not in units:
            errors["uom"] = f"Unknown unit of measure '{uom_code}'."
        values["uom"] = units.get(uom_code)
    category = cell_text(raw.get("category"))
    if category and category not in categories:
        errors["category"] = f"Unknown category '{category}'."
    values["category"] = categories.get(category) if category else None
    cost = cell_text(raw.get("standard_cost")) or "0"
    try:
        values["standard_cost"] = Decimal(cost)
        if values["standard_cost"] < 0:
            errors["standard_cost"] = "The standard cost cannot be negative."
    except InvalidOperation:
        errors["standard_cost"] = f"'{cost}' is not a number."
    return values, errors


def _display(values: dict) -> dict:
    return {k: (v.code if isinstance(v, UnitOfMeasure) else v.name if isinstance(v, ItemCategory)
                else str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}


@transaction.atomic
def items_import(*, company: Company, dataset: tablib.Dataset, actor, dry_run: bool = True) -> ImportResult:
    """Validate every row; unless `dry_run` (or any row is invalid) create or update the items."""
    headers = [(h or "").strip().lower() for h in (dataset.headers or [])]
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        raise DomainError("file", f"Missing column(s): {', '.join(missing)}. Expected: {', '.join(COLUMNS)}.")
    if len(dataset) > MAX_ROWS:
        raise DomainError("file", f"At most {MAX_ROWS} rows per import.")
    units = {u.code: u for u in UnitOfMeasure.objects.select_related("category")}
    categories = {c.name: c for c in ItemCategory.objects.filter(company=company)}
    existing = {i.number: i for i in Item.objects.filter(company=company)}
    rows, seen = [], set()
    for index, record in enumerate(dataset.dict, start=2):
        raw = {(k or "").strip().lower(): v for k, v in dict(record).items()}
        values, errors = _parse_row(raw, company, units, categories)
        number = values["number"]
        if number and number in seen:
            errors["number"] = f"{number} appears twice in the file."
        seen.add(number)
        action = "create"
        item = existing.get(number)
        if item is not None:
            changed = {k: v for k, v in values.items() if k != "number" and getattr(item, k) != v}
            action = "update" if changed else "unchanged"
            if (refusal := item_nature_refusal(item, changed)) is not None:
                errors[refusal.field] = refusal.message
        rows.append(ImportRow(line=index, number=number, action="error" if errors else action,
                              values=_display(values), errors=errors))
        rows[-1]._parsed = values  # type: ignore[attr-defined]
    result = ImportResult(dry_run=dry_run, rows=rows)
    if dry_run or result.has_errors:
        return result
    for row in rows:
        values = row._parsed  # type: ignore[attr-defined]
        try:
            if row.action == "create":
                item_create(company=company, actor=actor, **values)
            elif row.action == "update":
                item = existing[row.number]
                item_update(instance=item, actor=actor,
                            **{k: v for k, v in values.items() if k != "number" and getattr(item, k) != v})
        except DomainError as exc:
            raise DomainError(f"rows.{row.line}.{exc.field}" if exc.field else f"rows.{row.line}",
                              f"Line {row.line}: {exc.message}") from exc
    return result
