"""The shop-floor board in Chromium: a tile turns red within 2 s of a `down` published over MQTT (the real
Mosquitto and the gateway), and the operator screen shows it too."""

import datetime
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.mes.choices import MachineConnection
from tests.browser.test_pickers import log_in
from tests.mes.factories import EquipmentFactory, WorkCenterFactory
from tests.mes.mqtt_helpers import GatewayThread, Publisher, forget_session, require_broker, unique_code

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def floor(company):
    require_broker()
    company.code = unique_code("BR")
    company.save()
    press = WorkCenterFactory(company=company, code="PRESS")
    EquipmentFactory(work_center=press, code="P1", connection=MachineConnection.MQTT)
    WorkCenterFactory(company=company, code="SAW")
    gateway = GatewayThread().start()
    publisher = Publisher()
    yield {"company": company, "press": press, "publish": publisher.publish}
    publisher.close()
    gateway.stop()
    forget_session(gateway.client_id)


def now_iso() -> str:
    return timezone.now().astimezone(datetime.UTC).isoformat()


def test_a_tile_turns_red_within_two_seconds_of_a_published_down(page, user, floor):
    topic = f"millwright/{floor['company'].code}/PRESS/P1/state"
    floor["publish"]([(topic, {"ts": now_iso(), "state": "running"})])
    log_in(page, "alice")
    page.goto("/mes/board/")
    tile = page.locator('[data-testid=board-tile][data-code="PRESS"]')
    expect(tile).to_have_attribute("data-status", "running", timeout=5_000)
    expect(page.locator('[data-testid=board-tile][data-code="SAW"]')).to_have_attribute("data-status", "idle")

    floor["publish"]([(topic, {"ts": now_iso(), "state": "down", "reason": "JAM"})])
    published = time.monotonic()
    expect(tile).to_have_attribute("data-status", "down", timeout=2_000)
    took = time.monotonic() - published
    header = tile.locator("[data-testid=board-tile-state]")
    assert "text-bg-danger" in header.get_attribute("class")
    assert took < 2.0, took
    print(f"board tile red {took * 1000:.0f} ms after the publish")

    page.goto(f"/mes/operator/{floor['press'].pk}/")
    expect(page.locator("[data-testid=live-status]")).to_contain_text("Down")
    floor["publish"]([(topic, {"ts": now_iso(), "state": "running"})])
    expect(page.locator("[data-testid=work-center-live]")).to_have_attribute("data-status", "running",
                                                                               timeout=2_000)
