"""The home page per role: work queues, KPI tiles and charts, declared by each module in one registry.

A **queue** is a saved filter of an existing list plus a count: its tile links to the list filtered with the
list's own django-filter params, and (unless the module gives its own `count_fn`) its count is that very list's
filtered row count, so the number on the tile is the number of rows the link shows.

    # apps/mes/home.py, imported from MesConfig.ready()
    register_queue("MES", "Late work orders", "mes:workorder_list",
                   lambda: {"status__in": "released,in_progress", "due_date__lt": today()},
                   "mes.change_workorder", style="danger")
    register_kpi("MES", "Work in progress", "mes.view_workorder", wip_count,
                 url_name="mes:workorder_list", params={"status": "in_progress"})
    register_chart("MES", "Work orders completed per day", "mes.view_workorder", completed_per_day, kind="bar")

Only tiles whose permission the user's role in the **active company** grants are shown, every count and figure
is computed for the active company only, and each tile costs at most a query or two (no query per row).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.text import slugify

from apps.core.navigation import MODULE_ORDER
from apps.core.permissions import has_company_perm
from apps.core.scoping import scope_filterset, scope_to_active_company

Params = dict | Callable[[], dict]


def last_months(count: int) -> list[datetime.date]:
    """The first days of the last `count` months, this one included, oldest first (the x axis of a chart)."""
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1
    return [datetime.date((index - back) // 12, (index - back) % 12 + 1, 1) for back in range(count - 1, -1, -1)]


def last_days(count: int) -> list[datetime.date]:
    """The last `count` days, today included, oldest first."""
    today = timezone.localdate()
    return [today - datetime.timedelta(days=back) for back in range(count - 1, -1, -1)]


@dataclass(frozen=True)
class Tile:
    """A queue, KPI or chart of a module's section on the home page."""

    kind: str  # "queue", "kpi" or "chart"
    module: str
    label: str
    permission: str
    url_name: str | None = None
    params: Params = field(default_factory=dict)
    compute: Callable | None = None  # queue: request -> int; kpi: request -> str; chart: request -> dict
    key: str = ""
    style: str = "primary"
    chart_type: str = "bar"
    help: str = ""

    def query(self) -> dict:
        params = self.params() if callable(self.params) else dict(self.params)
        return {k: v for k, v in params.items() if v not in (None, "")}

    def url(self) -> str | None:
        if not self.url_name:
            return None
        query = urlencode(self.query())
        return f"{reverse(self.url_name)}?{query}" if query else reverse(self.url_name)


_tiles: dict[str, Tile] = {}


def _register(tile: Tile) -> Tile:
    key = tile.key or f"{tile.kind}:{tile.module}:{tile.label}"
    tile = replace(tile, key=key)
    _tiles[key] = tile  # idempotent: registering again (a second ready()) replaces the tile
    return tile


def register_queue(module: str, label: str, url_name: str, params: Params, permission: str,
                   count_fn: Callable | None = None, *, key: str = "", style: str = "primary",
                   help: str = "") -> Tile:
    """A work queue: the list `url_name` filtered by `params` (its django-filter params, or a function returning
    them, for dates relative to today), shown to roles granted `permission`; `count_fn(request) -> int` only for
    a page that is not a Resource list (the default counts the filtered list itself)."""
    return _register(Tile("queue", module, label, permission, url_name, params, count_fn, key, style, help=help))


def register_kpi(module: str, label: str, permission: str, value_fn: Callable, *, url_name: str | None = None,
                 params: Params | None = None, key: str = "", help: str = "") -> Tile:
    """A figure (`value_fn(request) -> str`, already formatted), optionally linking to a filtered list."""
    return _register(Tile("kpi", module, label, permission, url_name, params or {}, value_fn, key, help=help))


def register_chart(module: str, label: str, permission: str, data_fn: Callable, *, kind: str = "bar",
                   url_name: str | None = None, params: Params | None = None, key: str = "", help: str = "") -> Tile:
    """A Chart.js chart: `data_fn(request) -> {"labels": [...], "datasets": [{"label", "data"}], "links": [...]?,
    "unit": "%"?}`; a click on a bar opens `links[i]` (else the tile's filtered list)."""
    return _register(Tile("chart", module, label, permission, url_name, params or {}, data_fn, key,
                          chart_type=kind, help=help))


def tiles() -> list[Tile]:
    return list(_tiles.values())


def _resource_of(url_name: str):
    """The Resource behind a list URL (None for a function view)."""
    return getattr(resolve(reverse(url_name)).func, "view_initkwargs", {}).get("resource")


def list_count(url_name: str, params: dict, request) -> int:
    """How many rows the list `url_name` shows with `params`: its own scoped queryset, filterset and search."""
    resource = _resource_of(url_name)
    if resource is None:
        raise ValueError(f"{url_name} is not a Resource list: give the queue a count_fn")
    queryset = scope_to_active_company(resource.base_queryset(request), request)
    data = QueryDict(mutable=True)
    for name, value in params.items():
        data.setlist(name, value if isinstance(value, list) else [str(value)])
    filterset = scope_filterset(resource.get_filterset_class()(data=data, queryset=queryset, request=request),
                                request.user, [request.company_id])
    if not filterset.is_valid():  # the list would show nothing either (FilterView is strict)
        return 0
    return resource.search(filterset.qs, str(params.get("q", "")).strip()).count()


def _visible(tile: Tile, request) -> bool:
    if not has_company_perm(request.user, tile.permission, request.company_id):
        return False
    if tile.url_name:  # the link must open for this role too
        resource = _resource_of(tile.url_name)
        if resource is not None and not has_company_perm(request.user, resource.perm("view"), request.company_id):
            return False
    return True


def home_sections(request) -> list[dict]:
    """The home page's sections, one per module in sidebar order: the visible queues (with counts), KPIs (with
    values) and charts (with data) of the user's role in the active company."""
    if request.company_id is None:
        return []
    by_module: dict[str, dict] = {}
    for tile in _tiles.values():
        if not _visible(tile, request):
            continue
        section = by_module.setdefault(tile.module, {"module": tile.module, "queues": [], "kpis": [], "charts": []})
        entry = {"tile": tile, "url": tile.url()}
        if tile.kind == "queue":
            entry["count"] = tile.compute(request) if tile.compute else list_count(tile.url_name, tile.query(),
                                                                                     request)
            section["queues"].append(entry)
        elif tile.kind == "kpi":
            entry["value"] = tile.compute(request)
            section["kpis"].append(entry)
        else:
            entry["data"] = {"type": tile.chart_type, "label": tile.label, "url": entry["url"], **tile.compute(request)}
            entry["dom_id"] = "chart-" + "".join(c if c.isalnum() else "-" for c in tile.key.lower())
            section["charts"].append(entry)
    order = {name: i for i, name in enumerate(MODULE_ORDER)}
    for section in by_module.values():
        section["slug"] = slugify(section["module"])
        section["open_work"] = sum(q["count"] for q in section["queues"])
    # the modules where this role has work waiting come first ("what should I do next"), then those with queues
    # (empty now), each group in sidebar order
    return sorted(by_module.values(), key=lambda s: (not s["open_work"], not s["queues"],
                                                       order.get(s["module"], len(order))))


# ---- core's own tiles: the flows between modules, for the roles that may replay them ------------------------

register_queue("Flows", "Dead deliveries", "core:event_list", {"status": "dead"}, "core.change_event", style="danger",
               help="Events a module could not handle after every retry: open one and replay it.")
register_queue("Flows", "Deliveries pending", "core:event_list", {"status": "pending"}, "core.change_event",
               style="warning", help="Events still on their way (the sweeper re-sends them).")
