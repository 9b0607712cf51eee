"""What every CSV/XLSX import shares (tablib): reading the file, the text of a cell, and the dry-run result with
one row per line and its errors. Each module's import (PLM items, CRM leads and customers) decides the columns
and writes through its own services."""

from dataclasses import dataclass, field

import tablib

from apps.core.errors import DomainError

MAX_ROWS = 5000  # per file: larger imports are split by the user


@dataclass
class ImportRow:
    """One line of the file: what the import would do with it (or did) and why not."""

    line: int
    number: str
    action: str  # "create", "update", "unchanged" or "error"
    values: dict
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportResult:
    """The whole file: a preview when `dry_run`, otherwise what was written (all rows or none)."""

    dry_run: bool
    rows: list[ImportRow]

    @property
    def has_errors(self) -> bool:
        return any(r.errors for r in self.rows)

    def totals(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
        for row in self.rows:
            counts[row.action] += 1
        return counts

    def as_dict(self) -> dict:
        return {"dry_run": self.dry_run, "valid": not self.has_errors, "totals": self.totals(),
                "rows": [{"line": r.line, "number": r.number, "action": r.action, "values": r.values,
                          "errors": r.errors} for r in self.rows]}


def read_dataset(*, content: bytes, filename: str) -> tablib.Dataset:
    """Parse an uploaded CSV or XLSX file into a dataset with a header row."""
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            return tablib.Dataset().load(content, format="xlsx")
        if name.endswith(".csv") or name.endswith(".txt"):
            return tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")
    except (UnicodeDecodeError, ValueError, KeyError) as exc:
        raise DomainError("file", f"The file could not be read: {exc}") from exc
    except Exception as exc:  # tablib/openpyxl raise many kinds of errors for broken files
        raise DomainError("file", f"The file could not be read ({type(exc).__name__}).") from exc
    raise DomainError("file", "Upload a .csv or .xlsx file.")


def cell_text(value) -> str:
    """A cell as text: empty for nothing, `12` for a spreadsheet's 12.0, trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
