"""Counters other modules show on the flow monitor (core never imports them: they register here from their
AppConfig.ready(), like home tiles): `register_monitor_counters(label, permission, counts_fn)` with
`counts_fn(request) -> [(label, value, style)]`, scoped by the module to the active company."""

from collections.abc import Callable
from dataclasses import dataclass

from apps.core.permissions import has_company_perm


@dataclass(frozen=True)
class MonitorCounters:
    label: str
    permission: str
    counts: Callable
    help: str = ""


_PANELS: list[MonitorCounters] = []


def register_monitor_counters(label: str, permission: str, counts: Callable, *, help: str = "") -> None:
    """Show `counts(request)` on the flow monitor to users whose role in the active company has `permission`."""
    if not any(panel.label == label for panel in _PANELS):
        _PANELS.append(MonitorCounters(label, permission, counts, help))


def monitor_panels(request) -> list[dict]:
    """The registered counters the user may see, computed for the active company."""
    return [{"label": p.label, "help": p.help, "counts": p.counts(request)} for p in _PANELS
            if has_company_perm(request.user, p.permission, request.company_id)]
