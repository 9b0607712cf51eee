"""The live shop floor: board tiles (state, operation, counts today, OEE), the live part of the operator screen
and work-center page, company isolation, and the board's cost for 50 work centers."""

import datetime
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.mes.selectors_board import board_tiles, shop_floor_board
from apps.mes.services.operations import operation_pause, operation_start
from apps.mes.services.signals import signals_ingest
from apps.mes.signal_contract import EquipmentKey, SignalRow
from tests.mes.factories import EquipmentFactory, OperationFactory, WorkCenterFactory

pytestmark = pytest.mark.urls("tests.mes.urls")


@pytest.fixture(autouse=True)
def _fresh_board():
    cache.clear()


def signal(machine, kind, minutes_ago, **values):
    key = EquipmentKey(machine.pk, machine.work_center_id, machine.work_center.company_id)
    return SignalRow(key=key, kind=kind, ts=timezone.now() - datetime.timedelta(minutes=minutes_ago), **values)


@pytest.fixture
def press(company, user):
    work_center = WorkCenterFactory(company=company, code="PRESS")
    machine = EquipmentFactory(work_center=work_center, code="P1")
    operation = OperationFactory(work_order__company=company, work_center=work_center, status="in_progress",
                                 actual_start=timezone.now() - datetime.timedelta(hours=1))
    signals_ingest(company=company, actor=user, rows=[
        signal(machine, "state", 10, state="running"), signal(machine, "count", 5, good=7, scrap=1),
        signal(machine, "state", 3, state="down", reason="JAM")])
    return {"work_center": work_center, "machine": machine, "operation": operation}


def test_board_shows_every_work_center_of_the_active_company(web, press, other_company):
    WorkCenterFactory(company=other_company, code="FOREIGN")
    response = web.get("/mes/board/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-code="PRESS" data-status="down"' in html
    assert "FOREIGN" not in html
    tiles = web.get("/mes/board/tiles/").content.decode()
    assert 'data-status="down"' in tiles
    assert press["operation"].work_order.number in tiles
    assert "Good <strong data-testid=\"good-today\">7</strong>" in tiles
    assert "Down · 3 min" in tiles


def test_live_part_shows_the_machine_count_beside_the_reported(web, press):
    url = f"/mes/work-centers/{press['work_center'].pk}/live/?operation={press['operation'].pk}"
    html = web.get(url).content.decode()
    assert 'data-testid="work-center-live" data-status="down"' in html
    assert "<strong>7</strong> good, <strong>1</strong> scrap · reported: 0" in html
    assert "P1: Down (JAM)" in html
    assert f'hx-get="{url}"' in html  # it polls itself
    screen = web.get(f"/mes/operator/{press['work_center'].pk}/").content.decode()
    assert f"/mes/work-centers/{press['work_center'].pk}/live/" in screen
    assert f"/mes/work-centers/{press['work_center'].pk}/live/" in web.get(
        f"/mes/work-centers/{press['work_center'].pk}/").content.decode()


def test_another_companys_work_center_is_not_found(web, other_company):
    foreign = WorkCenterFactory(company=other_company)
    assert web.get(f"/mes/work-centers/{foreign.pk}/live/").status_code == 404


def test_the_board_of_50_work_centers_is_a_fixed_number_of_queries_and_fast(company, user):
    for n in range(50):
        work_center = WorkCenterFactory(company=company, code=f"WC{n:02d}")
        machine = EquipmentFactory(work_center=work_center, code="M")
        OperationFactory(work_order__company=company, work_center=work_center, status="in_progress",
                         actual_start=timezone.now() - datetime.timedelta(hours=2))
        signals_ingest(company=company, actor=user, rows=[
            signal(machine, "state", 60, state="running"),
            *[signal(machine, "count", m, good=1) for m in range(1, 50)]])
    midnight = datetime.datetime.combine(timezone.localdate(), datetime.time(0),
                                         tzinfo=timezone.get_current_timezone())
    today = sum(1 for m in range(1, 50) if timezone.now() - datetime.timedelta(minutes=m) >= midnight)
    with CaptureQueriesContext(connection) as queries:
        tiles = board_tiles(company_id=company.pk)
    assert len(tiles) == 50
    assert {t.good_today for t in tiles} == {today}
    assert len(queries) == 7  # the tiles, the work centers, the five of OEE: not one per work center
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        board_tiles(company_id=company.pk)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.2, timings  # measured ~20-40 ms on these machines (bench/mes_signals.py reports it)


def test_the_flow_monitor_shows_dropped_signals_per_reason(web, company, other_company):
    from collections import Counter

    from apps.mes.services.signals import signal_drops_record

    signal_drops_record(drops=Counter({(company.pk, "malformed"): 3, (company.pk, "wrong_company"): 2,
                                       (other_company.pk, "future_ts"): 9}))
    html = web.get(reverse("core:event_list")).content.decode()
    assert "Machine signals dropped (last 7 days)" in html
    assert 'Malformed payload</div><div class="fs-4 text-warning fw-bold">3</div>' in html
    assert 'Topic names another company</div><div class="fs-4 text-danger fw-bold">2</div>' in html
    assert 'Timestamp in the future</div><div class="fs-4">0</div>' in html  # the other company's 9 are theirs


def test_an_operators_start_and_pause_show_on_the_next_poll_not_after_the_cache(company, user,
                                                                                django_capture_on_commit_callbacks):
    """The tiles are cached for a moment; a start or a pause drops them, so the operator screen never shows the work
    center Running in its heading and Idle in its live part."""
    operation = OperationFactory(work_order__company=company)
    center = operation.work_center_id

    def status() -> str:
        return next(t.status for t in shop_floor_board(company_id=company.pk) if t.id == center)

    assert status() == "idle"
    with django_capture_on_commit_callbacks(execute=True):
        operation_start(operation=operation, actor=user)
    assert status() == "running"  # within BOARD_CACHE_SECONDS of the idle read above
    with django_capture_on_commit_callbacks(execute=True):
        operation_pause(operation=operation, actor=user)
    assert status() == "idle"
