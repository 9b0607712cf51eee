"""The shop-floor board: every work center of a company as a tile (state, current work order and operation,
machine counts today, OEE today, minutes in the current state).

One query for the tiles (work centers, their running operation, today's machine counts and the time their
state began) plus the fixed queries of `work_centers_oee` for OEE today, whatever the number of work centers. The
tiles are cached per company for BOARD_CACHE_SECONDS, so 20 screens polling each second cost one computation a
second; OEE today (which reads the day's downtime and counts) for OEE_CACHE_SECONDS."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from apps.mes.models import WorkCenter
from apps.mes.selectors_oee import work_centers_oee

BOARD_CACHE_SECONDS = 0.8
OEE_CACHE_SECONDS = 15

_TILES = """
SELECT w.id, w.code, w.name, w.status,
       coalesce((SELECT max(e.state_since) FROM mes_equipment e
                  WHERE e.work_center_id = w.id AND e.machine_state = w.status), w.updated_at) AS since,
       op.id, op.sequence, op.name, wo.id, wo.number, coalesce(c.good, 0), coalesce(c.scrap, 0),
       (SELECT count(*) FROM mes_equipment e WHERE e.work_center_id = w.id AND e.machine_state <> '') AS machines
  FROM mes_workcenter w
  LEFT JOIN LATERAL (SELECT o.id, o.sequence, o.name, o.work_order_id FROM mes_operation o
                      WHERE o.work_center_id = w.id AND o.status IN ('in_progress', 'paused')
                      ORDER BY o.status = 'in_progress' DESC, o.actual_start DESC NULLS LAST, o.id DESC
                      LIMIT 1) op ON true
  LEFT JOIN mes_workorder wo ON wo.id = op.work_order_id
  LEFT JOIN LATERAL (SELECT sum(m.good) AS good, sum(m.scrap) AS scrap FROM mes_machinecount m
                      WHERE m.work_center_id = w.id AND m.minute >= %(today)s) c ON true
 WHERE w.company_id = %(company)s AND w.is_active
 ORDER BY w.code
"""


@dataclass
class BoardTile:
    """One work center on the board."""

    id: int
    code: str
    name: str
    status: str
    since: datetime.datetime | None
    operation_id: int | None
    operation: str
    work_order_id: int | None
    work_order: str
    good_today: int
    scrap_today: int
    connected: bool
    oee_today: Decimal | None = None

    @property
    def minutes_in_state(self) -> int | None:
        if self.since is None:
            return None
        return max(int((timezone.now() - self.since).total_seconds() // 60), 0)


def board_tiles(*, company_id: int, with_oee: bool = True) -> list[BoardTile]:
    """The tiles of a company's active work centers, uncached (see `shop_floor_board`)."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    midnight = datetime.datetime.combine(today, datetime.time(0), tzinfo=tz)
    with connection.cursor() as cursor:
        cursor.execute(_TILES, {"company": company_id, "today": midnight})
        rows = cursor.fetchall()
    tiles = [BoardTile(id=r[0], code=r[1], name=r[2], status=r[3], since=r[4], operation_id=r[5],
                       operation=f"op {r[6]}{' ' + r[7] if r[7] else ''}" if r[5] else "", work_order_id=r[8],
                       work_order=r[9] or "", good_today=int(r[10]), scrap_today=int(r[11]), connected=r[12] > 0)
             for r in rows]
    if with_oee and tiles:
        oee = oee_today(company_id=company_id, work_center_ids=[t.id for t in tiles])
        for tile in tiles:
            tile.oee_today = oee.get(tile.id)
    return tiles


def oee_today(*, company_id: int, work_center_ids: list[int]) -> dict[int, Decimal | None]:
    """Work center → OEE today."""
    today = timezone.localdate()
    centers = list(WorkCenter.objects.filter(company_id=company_id, pk__in=work_center_ids))
    reports = work_centers_oee(work_centers=centers, date_from=today, date_to=today)
    return {pk: report.days[0].oee for pk, report in reports.items()}


def _board_key(company_id: int) -> str:
    return f"mes:board:{company_id}"


def forget_board(*, company_id: int) -> None:
    """Drop a company's cached tiles: an operator's start or stop shows on the next poll, not up to
    BOARD_CACHE_SECONDS later beside the page's fresh status (signals rely on the short cache alone)."""
    cache.delete(_board_key(company_id))


def shop_floor_board(*, company_id: int) -> list[BoardTile]:
    """`board_tiles`, cached per company for BOARD_CACHE_SECONDS (the board polls; signals change it)."""
    key = _board_key(company_id)
    tiles = cache.get(key)
    if tiles is None:
        tiles = board_tiles(company_id=company_id, with_oee=False)
        oee_key = f"mes:board-oee:{company_id}"
        oee = cache.get(oee_key)
        if oee is None or set(oee) != {t.id for t in tiles}:
            oee = oee_today(company_id=company_id, work_center_ids=[t.id for t in tiles])
            cache.set(oee_key, oee, OEE_CACHE_SECONDS)
        for tile in tiles:
            tile.oee_today = oee.get(tile.id)
        cache.set(key, tiles, BOARD_CACHE_SECONDS)
    return tiles
