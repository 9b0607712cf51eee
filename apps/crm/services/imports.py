"""Bulk import of leads and customers from CSV or XLSX, with a dry-run preview of every row and its errors.

As PLM's item import (`apps.plm.services.imports`, whose file reading and result rows it shares): nothing is
written unless every row is valid and `dry_run` is false, and then all rows in one transaction.

* Leads: name (required), company_name, email, phone, source, owner (user name), notes. A row with the e-mail
  of an existing lead is skipped ("unchanged", naming the lead); one whose company matches an existing lead's
  is created and flagged as a possible duplicate (merge it afterwards).
* Customers: name (required), number (an existing party's, to update it), kind, email, phone, tax_id, currency
  (code), segment (name), industry, credit_limit, owner (user name), street, city, postal_code, country,
  contact_name, contact_email, contact_phone, contact_role. Without a number a customer of the same name
  (case-insensitive) is updated; otherwise one is created.
"""

from decimal import Decimal, InvalidOperation

import tablib
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower

from apps.core.choices import PartyKind
from apps.core.errors import DomainError
from apps.core.imports import MAX_ROWS, ImportResult, ImportRow, cell_text, read_dataset
from apps.core.models import Company, Currency, Membership, Party
from apps.core.services.parties import party_update
from apps.crm.choices import LeadSource
from apps.crm.models import Lead, Segment
from apps.crm.services.customers import (
    address_ensure,
    contact_ensure,
    customer_create,
    customer_profile_ensure,
    customer_profile_update,
)
from apps.crm.services.leads import company_key, lead_create

__all__ = ["customers_import", "leads_import", "read_dataset"]

LEAD_COLUMNS = ["name", "company_name", "email", "phone", "source", "owner", "notes"]
CUSTOMER_COLUMNS = ["name", "number", "kind", "email", "phone", "tax_id", "currency", "segment", "industry",
                    "credit_limit", "owner", "street", "city", "postal_code", "country", "contact_name",
                    "contact_email", "contact_phone", "contact_role"]


def _rows(dataset: tablib.Dataset, columns: list[str]) -> list[tuple[int, dict]]:
    """(line number, {column: text}) per data row; missing required columns and oversize files are refused."""
    headers = [(h or "").strip().lower() for h in (dataset.headers or [])]
    if "name" not in headers:
        raise DomainError("file", f"Missing column: name. Expected: {', '.join(columns)}.")
    if len(dataset) > MAX_ROWS:
        raise DomainError("file", f"At most {MAX_ROWS} rows per import.")
    return [(line, {(k or "").strip().lower(): cell_text(v) for k, v in dict(record).items()})
            for line, record in enumerate(dataset.dict, start=2)]


def _email_error(email: str) -> str | None:
    if not email:
        return None
    try:
        validate_email(email)
    except ValidationError:
        return f"'{email}' is not an e-mail address."
    return None


def _members(company: Company) -> dict[str, object]:
    user_ids = Membership.objects.filter(company=company).values("user_id")
    return {u.username.lower(): u for u in get_user_model().objects.filter(pk__in=user_ids)}


def _owner(raw: dict, members: dict, errors: dict) -> object | None:
    name = raw.get("owner", "").lower()
    if name and name not in members:
        errors["owner"] = f"'{raw['owner']}' is not a user of this company."
    return members.get(name)


def _finish(rows: list[ImportRow], dry_run: bool, write) -> ImportResult:
    result = ImportResult(dry_run=dry_run, rows=rows)
    if dry_run or result.has_errors:
        return result
    for row in rows:
        try:
            write(row)
        except DomainError as exc:
            raise DomainError(f"rows.{row.line}.{exc.field}" if exc.field else f"rows.{row.line}",
                              f"Line {row.line}: {exc.message}") from exc
    return result


# ---- leads ---------------------------------------------------------------------------------------------------
@transaction.atomic
def leads_import(*, company: Company, dataset: tablib.Dataset, actor, dry_run: bool = True) -> ImportResult:
    """Validate every lead row; unless `dry_run` (or any row is invalid) create the new leads."""
    members = _members(company)
    known = {email: pk for email, pk in Lead.objects.filter(company=company).exclude(email="")
             .annotate(email_ci=Lower("email")).values_list("email_ci", "pk")}
    companies = dict(Lead.objects.filter(company=company).exclude(company_key="").values_list("company_key", "pk"))
    rows, seen = [], set()
    for line, raw in _rows(dataset, LEAD_COLUMNS):
        errors, email = {}, raw.get("email", "")
        if not raw.get("name"):
            errors["name"] = "Required."
        if message := _email_error(email):
            errors["email"] = message
        source = raw.get("source", "").lower() or LeadSource.IMPORT
        if source not in LeadSource.values:
            errors["source"] = f"'{source}' is not one of {', '.join(LeadSource.values)}."
        owner = _owner(raw, members, errors)
        if email and email.lower() in seen:
            errors["email"] = f"{email} appears twice in the file."
        seen.add(email.lower())
        values = {"name": raw.get("name", "")[:200], "company_name": raw.get("company_name", "")[:200],
                  "email": email, "phone": raw.get("phone", "")[:40], "source": source,
                  "owner": owner.username if owner else "", "notes": raw.get("notes", "")}
        action = "create"
        if email and email.lower() in known:
            action = "unchanged"
            values["duplicate_of"] = known[email.lower()]
        elif (key := company_key(values["company_name"])) and key in companies:
            values["possible_duplicate_of"] = companies[key]
        row = ImportRow(line=line, number=email or values["name"], action="error" if errors else action,
                        values=values, errors=errors)
        row._owner = owner  # type: ignore[attr-defined]
        rows.append(row)

    def write(row: ImportRow) -> None:
        if row.action == "create":
            fields = {k: v for k, v in row.values.items() if k in LEAD_COLUMNS and k != "owner"}
            lead_create(company=company, actor=actor, owner=row._owner, **fields)  # type: ignore[attr-defined]

    return _finish(rows, dry_run, write)


# ---- customers -----------------------------------------------------------------------------------------------
def _customer_row(raw: dict, lookups: dict, errors: dict) -> dict:
    values = {"name": raw.get("name", "")[:200], "kind": raw.get("kind", "").lower() or PartyKind.ORGANIZATION,
              "email": raw.get("email", ""), "phone": raw.get("phone", "")[:40], "tax_id": raw.get("tax_id", "")[:40],
              "industry": raw.get("industry", "")[:100]}
    if not values["name"]:
        errors["name"] = "Required."
    if values["kind"] not in PartyKind.values:
        errors["kind"] = f"'{values['kind']}' is not one of {', '.join(PartyKind.values)}."
    if message := _email_error(values["email"]):
        errors["email"] = message
    for column, table, label in (("currency", "currencies", "currency"), ("segment", "segments", "segment")):
        code = raw.get(column, "")
        key = code.upper() if column == "currency" else code.lower()
        if code and key not in lookups[table]:
            errors[column] = f"Unknown {label} '{code}'."
        values[column] = lookups[table].get(key) if code else None
    limit = raw.get("credit_limit", "")
    values["credit_limit"] = None
    if limit:
        try:
            values["credit_limit"] = Decimal(limit)
            if values["credit_limit"] < 0:
                errors["credit_limit"] = "The credit limit cannot be negative."
        except InvalidOperation:
            errors["credit_limit"] = f"'{limit}' is not a number."
    values["owner"] = _owner(raw, lookups["members"], errors)
    values["address"] = {k: raw.get(k, "") for k in ("street", "city", "postal_code", "country")}
    if any(values["address"].values()) and not (values["address"]["street"] and values["address"]["city"]):
        errors["street" if not values["address"]["street"] else "city"] = "An address needs a street and a city."
    values["contact"] = {"name": raw.get("contact_name", ""), "email": raw.get("contact_email", ""),
                         "phone": raw.get("contact_phone", ""), "role": raw.get("contact_role", "")}
    if message := _email_error(values["contact"]["email"]):
        errors["contact_email"] = message
    return values


def _display(values: dict) -> dict:
    shown = {k: v for k, v in values.items() if k not in ("address", "contact")}
    for key in ("currency", "segment"):
        shown[key] = str(shown[key]) if shown.get(key) is not None else ""
    shown["owner"] = shown["owner"].username if shown.get("owner") else ""
    shown["credit_limit"] = str(shown["credit_limit"]) if shown.get("credit_limit") is not None else ""
    shown["city"] = values["address"]["city"]
    shown["contact_name"] = values["contact"]["name"]
    return shown


@transaction.atomic
def customers_import(*, company: Company, dataset: tablib.Dataset, actor, dry_run: bool = True) -> ImportResult:
    """Validate every customer row; unless `dry_run` (or any row is invalid) create or update the customers."""
    lookups = {"currencies": {c.code: c for c in Currency.objects.all()},
               "segments": {s.name.lower(): s for s in Segment.objects.filter(company=company)},
               "members": _members(company)}
    parties = list(Party.objects.filter(company=company))
    by_number = {p.number: p for p in parties}
    by_name = {p.name.lower(): p for p in parties if p.is_customer}
    rows, seen = [], set()
    for line, raw in _rows(dataset, CUSTOMER_COLUMNS):
        errors: dict[str, str] = {}
        values = _customer_row(raw, lookups, errors)
        number = raw.get("number", "")
        party = by_number.get(number) if number else by_name.get(values["name"].lower())
        if number and party is None:
            errors["number"] = f"No party {number} in this company."
        key = number or values["name"].lower()
        if key and key in seen:
            errors["name" if not number else "number"] = f"{number or values['name']} appears twice in the file."
        seen.add(key)
        row = ImportRow(line=line, number=party.number if party else "", action="error" if errors else
                        ("update" if party else "create"), values=_display(values), errors=errors)
        row._parsed, row._party = values, party  # type: ignore[attr-defined]
        rows.append(row)

    def write(row: ImportRow) -> None:
        values, party = row._parsed, row._party  # type: ignore[attr-defined]
        profile = {"owner": values["owner"], "segment": values["segment"], "industry": values["industry"],
                   "credit_limit": values["credit_limit"]}
        party_fields = {k: values[k] for k in ("kind", "email", "phone", "tax_id", "currency") if values[k]}
        if party is None:
            party = customer_create(company=company, actor=actor, name=values["name"], **party_fields,
                                    **profile).party
        else:
            party = party_update(instance=party, actor=actor, name=values["name"], is_customer=True, **party_fields)
            customer_profile_update(instance=customer_profile_ensure(party=party, actor=actor), actor=actor,
                                    **{k: v for k, v in profile.items() if v not in (None, "")})
        address_ensure(party=party, actor=actor, **values["address"])
        if values["contact"]["name"]:
            contact_ensure(party=party, actor=actor, **values["contact"])

    return _finish(rows, dry_run, write)

