"""A connected work center and the scripted signal sequence whose downtime, counts and OEE are hand-computed
(used by the ingest, API, gateway and browser tests)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from apps.mes.choices import MachineConnection, OperationStatus
from apps.mes.models import DowntimeEvent
from apps.mes.selectors_oee import work_center_oee
from tests.core.factories import UserFactory
from tests.mes.factories import (
    DowntimeReasonFactory,
    EquipmentFactory,
    OperationFactory,
    OperationTimeLogFactory,
    WorkCenterFactory,
    WorkCenterShiftFactory,
)


def base_time() -> datetime.datetime:
    """Yesterday 08:00 UTC: in the past, inside the retention, and the whole sequence on one day."""
    yesterday = timezone.now().astimezone(datetime.UTC).date() - datetime.timedelta(days=1)
    return datetime.datetime.combine(yesterday, datetime.time(8), tzinfo=datetime.UTC)


def iso(base: datetime.datetime, minutes: float) -> str:
    return (base + datetime.timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


# (minute, kind, values): the machine's story of one hour
SEQUENCE = [
    (0, "state", {"state": "running"}),
    (10, "count", {"good": 10, "scrap": 0}),
    (20, "count", {"good": 8, "scrap": 2}),
    (20, "state", {"state": "down", "reason": "JAM"}),      # opens a JAM downtime
    (25, "state", {"state": "idle"}),                        # idle does not close it
    (30, "state", {"state": "running"}),                     # closes it: 20-30
    (40, "state", {"state": "down", "reason": "XX9"}),      # an unmapped code: unclassified, 40-50
    (45, "count", {"good": 5, "scrap": 0}),
    (50, "state", {"state": "running"}),
    (55, "state", {"state": "down", "reason": "jam"}),      # still down at the end: open from 55
]
EXPECTED_GOOD, EXPECTED_SCRAP = 23, 2


def sequence_messages(base, company="DEMO", work_center="CNC1", equipment="M1") -> list[tuple[str, dict]]:
    """The sequence as (MQTT topic, JSON payload) pairs."""
    return [(f"millwright/{company}/{work_center}/{equipment}/{kind}", {"ts": iso(base, minute), **values})
            for minute, kind, values in SEQUENCE]


def connected_plant(company, *, code="CNC1", equipment="M1"):
    """A work center working around the clock with one connected machine, an operation running on it since
    07:00 (0.5 minutes per unit) and an operator's run log 08:00-09:00; the JAM reason is mapped."""
    base = base_time()
    work_center = WorkCenterFactory(company=company, code=code)
    for weekday in range(7):
        WorkCenterShiftFactory(work_center=work_center, weekday=weekday, start_time=datetime.time(0),
                               hours=Decimal(24))
    machine = EquipmentFactory(work_center=work_center, code=equipment, connection=MachineConnection.MQTT)
    jam = DowntimeReasonFactory(company=company, code="JAM", name="Material jam", kind="unplanned")
    operation = OperationFactory(work_order__company=company, work_center=work_center,
                                 status=OperationStatus.IN_PROGRESS, actual_start=base - datetime.timedelta(hours=1),
                                 run_minutes_per_unit=Decimal("0.5"))
    OperationTimeLogFactory(operation=operation, operator=UserFactory(), started_at=base,
                            ended_at=base + datetime.timedelta(hours=1))
    return {"base": base, "work_center": work_center, "machine": machine, "jam": jam, "operation": operation}


def downtime_of(machine) -> list[tuple]:
    """(start minute, end minute or None, reason code, machine code) of a machine's downtime, in order."""
    base = base_time()
    minutes = lambda t: None if t is None else (t - base).total_seconds() / 60  # noqa: E731
    return [(minutes(e.start), minutes(e.end), e.reason.code, e.machine_reason)
            for e in DowntimeEvent.objects.filter(equipment=machine).select_related("reason").order_by("start")]


EXPECTED_DOWNTIME = [(20.0, 30.0, "JAM", "JAM"), (40.0, 50.0, "UNCLASSIFIED", "XX9"), (55.0, None, "JAM", "jam")]


def oee_of(work_center):
    day = base_time().date()
    return work_center_oee(work_center=work_center, date_from=day, date_to=day).days[0]


def assert_hand_computed(plant) -> None:
    """Downtime 20-30 JAM, 40-50 unclassified, open from 55; 23 good + 2 scrap on the running operation;
    OEE: run time 35 (the run log 08:00-09:00 less the unplanned downtime inside it: 10 + 10 + 5), availability
    35/1440, performance 25 * 0.5 / 35, quality 23/25."""
    plant["operation"].refresh_from_db()
    assert downtime_of(plant["machine"]) == EXPECTED_DOWNTIME
    assert (plant["operation"].machine_good, plant["operation"].machine_scrap) == (EXPECTED_GOOD, EXPECTED_SCRAP)
    figures = oee_of(plant["work_center"])
    assert (figures.quantity_good, figures.quantity_scrap) == (Decimal(23), Decimal(2))
    assert figures.ideal_minutes == Decimal("12.50")
    assert figures.run_minutes == Decimal("35.00")
    assert (figures.availability, figures.performance, figures.quality) == (
        Decimal("0.0243"), Decimal("0.3571"), Decimal("0.9200"))
    assert figures.oee == Decimal("0.0080")  # 35/1440 * 12.5/35 * 23/25 = 0.00798...
    plant["machine"].refresh_from_db()
    assert (plant["machine"].machine_state, plant["machine"].state_reason) == ("down", "jam")
    plant["work_center"].refresh_from_db()
    assert plant["work_center"].status == "down"
