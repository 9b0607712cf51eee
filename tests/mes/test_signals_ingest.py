"""signals_ingest and its effects: downtime from states (mapped, unclassified, open), counts on the running
operation, OEE from machine counts, duplicates and out-of-order delivery, silence, drops, retention."""

import datetime
import json
import random

import pytest
from django.db.models.functions import Now
from django.test import override_settings
from django.utils import timezone

from apps.core.errors import DomainError
from apps.core.models import AuditRecord
from apps.mes.models import DowntimeEvent, Equipment, MachineCount, MachineSignal, MachineSignalDrop
from apps.mes.services.downtime import downtime_classify, downtime_update
from apps.mes.services.signals import machines_mark_silent, signal_drops_record, signals_ingest, signals_roll_up
from apps.mes.signal_contract import DropTally, EquipmentDirectory, read_message
from tests.mes.factories import DowntimeReasonFactory
from tests.mes.signal_plant import (
    EXPECTED_DOWNTIME,
    assert_hand_computed,
    connected_plant,
    downtime_of,
    iso,
    sequence_messages,
)


def rows_of(messages, tally=None):
    directory, tally = EquipmentDirectory(), tally if tally is not None else DropTally()
    rows = [read_message(topic, json.dumps(payload).encode(), directory, tally) for topic, payload in messages]
    return [row for row in rows if row is not None]


@pytest.fixture
def plant(company):
    company.code = "DEMO"
    company.save()
    return connected_plant(company)


def test_sequence_gives_the_hand_computed_downtime_counts_and_oee(plant, user):
    result = signals_ingest(company=None, rows=rows_of(sequence_messages(plant["base"])), actor=user)
    assert (result.stored, result.duplicates) == (10, 0)
    assert_hand_computed(plant)
    assert MachineSignal.objects.count() == 10
    assert sorted(MachineCount.objects.values_list("good", "scrap")) == [(5, 0), (8, 2), (10, 0)]


def test_each_signal_in_its_own_batch_gives_the_same_result(plant, user):
    for message in sequence_messages(plant["base"]):
        signals_ingest(company=None, rows=rows_of([message]), actor=user)
    assert_hand_computed(plant)


def test_twice_changes_nothing_the_second_time(plant, user):
    messages = sequence_messages(plant["base"])
    signals_ingest(company=None, rows=rows_of(messages), actor=user)
    again = signals_ingest(company=None, rows=rows_of(messages + messages), actor=user)
    assert (again.stored, again.duplicates, again.downtime_changes) == (0, 20, 0)
    assert_hand_computed(plant)
    assert MachineSignal.objects.count() == 10


def test_a_batch_with_signals_already_stored_stores_the_rest_once(plant, user):
    """A new batch is copied straight into the table; one with a signal already stored (a redelivery) falls back
    to INSERT ... ON CONFLICT DO NOTHING: the rest are stored once and the stored ones have no effect twice."""
    messages = sequence_messages(plant["base"])
    first = signals_ingest(company=None, rows=rows_of([messages[1], messages[3]]), actor=user)
    assert (first.stored, first.duplicates) == (2, 0)
    again = signals_ingest(company=None, rows=rows_of(messages), actor=user)
    assert (again.stored, again.duplicates) == (8, 2)
    assert_hand_computed(plant)
    assert MachineSignal.objects.count() == 10
    assert sorted(MachineCount.objects.values_list("good", "scrap")) == [(5, 0), (8, 2), (10, 0)]


def test_a_new_batch_with_a_signal_twice_stores_and_counts_it_once(plant, user):
    messages = sequence_messages(plant["base"])
    result = signals_ingest(company=None, rows=rows_of([*messages, messages[1], messages[3]]), actor=user)
    assert (result.stored, result.duplicates) == (10, 2)
    assert_hand_computed(plant)
    assert sorted(MachineCount.objects.values_list("good", "scrap")) == [(5, 0), (8, 2), (10, 0)]


def test_counts_of_a_minute_are_summed_per_minute_and_operation(plant, user):
    base = plant["base"]
    topic = "millwright/DEMO/CNC1/M1/count"
    at = lambda seconds: (base + datetime.timedelta(seconds=seconds)).isoformat()  # noqa: E731
    signals_ingest(company=None, rows=rows_of([(topic, {"ts": at(3610), "good": 2, "scrap": 1}),
                                               (topic, {"ts": at(3659.5), "good": 3, "scrap": 0}),
                                               (topic, {"ts": at(3660), "good": 4, "scrap": 0})]), actor=user)
    signals_ingest(company=None, rows=rows_of([(topic, {"ts": at(3620), "good": 1, "scrap": 0})]), actor=user)
    operation = plant["operation"]
    assert sorted(MachineCount.objects.values_list("minute", "operation", "good", "scrap")) == [
        (base + datetime.timedelta(minutes=60), operation.pk, 6, 1),
        (base + datetime.timedelta(minutes=61), operation.pk, 4, 0)]
    operation.refresh_from_db()
    assert (operation.machine_good, operation.machine_scrap) == (10, 1)
    assert set(MachineSignal.objects.values_list("operation", flat=True)) == {operation.pk}


def test_counts_without_a_running_operation_are_rolled_up_without_one(plant, user):
    base = plant["base"]  # the operation started at base - 1 h
    topic = "millwright/DEMO/CNC1/M1/count"
    at = lambda seconds: (base - datetime.timedelta(hours=2) + datetime.timedelta(seconds=seconds)).isoformat()  # noqa: E731
    signals_ingest(company=None, rows=rows_of([(topic, {"ts": at(5), "good": 2, "scrap": 0})]), actor=user)
    signals_ingest(company=None, rows=rows_of([(topic, {"ts": at(6), "good": 1, "scrap": 1})]), actor=user)
    assert list(MachineCount.objects.values_list("minute", "operation", "good", "scrap")) == [
        (base - datetime.timedelta(hours=2), None, 3, 1)]
    assert set(MachineSignal.objects.values_list("operation", flat=True)) == {None}
    plant["operation"].refresh_from_db()
    assert (plant["operation"].machine_good, plant["operation"].machine_scrap) == (0, 0)


def test_machine_downtime_changes_are_audited_with_before_and_after(plant, user, company):
    messages = sequence_messages(plant["base"])
    signals_ingest(company=None, rows=rows_of(messages[:4]), actor=user)  # down at 20: opens an event
    signals_ingest(company=None, rows=rows_of(messages[4:]), actor=None)  # running at 30 closes it; two more
    events = {e.start: e for e in DowntimeEvent.objects.filter(equipment=plant["machine"])}
    first = events[plant["base"] + datetime.timedelta(minutes=20)]
    records = AuditRecord.objects.filter(content_type__model="downtimeevent").order_by("id")
    assert [(r.action, r.object_id, r.actor_id, r.company_id) for r in records] == [
        ("create", str(first.pk), user.pk, company.pk),
        *[("create", str(e.pk), None, company.pk) for e in sorted(events.values(), key=lambda e: e.start)[1:]],
        ("update", str(first.pk), None, company.pk)]
    create, update = records[0], records[3]
    assert create.before is None
    assert (create.after["end"], create.after["machine_reason"]) == (None, "JAM")
    assert (update.before["end"], update.after["end"]) == (None, iso(plant["base"], 30))
    assert update.object_repr == f"machine {plant['machine'].pk} down from {first.start:%Y-%m-%d %H:%M:%S} (JAM)"
    assert timezone.now() - update.created_at < datetime.timedelta(minutes=1)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_out_of_order_in_small_batches_gives_the_same_result(plant, user, seed):
    messages = sequence_messages(plant["base"])
    random.Random(seed).shuffle(messages)
    for start in range(0, len(messages), 3):
        signals_ingest(company=None, rows=rows_of(messages[start:start + 3]), actor=user)
    assert_hand_computed(plant)


def test_a_late_running_closes_and_a_late_down_splits(plant, user):
    base = plant["base"]
    topic = "millwright/DEMO/CNC1/M1/state"
    signals_ingest(company=None, rows=rows_of([(topic, {"ts": iso(base, 0), "state": "down", "reason": "JAM"})]),
                   actor=user)
    assert downtime_of(plant["machine"]) == [(0.0, None, "JAM", "JAM")]
    signals_ingest(company=None, rows=rows_of([(topic, {"ts": iso(base, 30), "state": "running"})]), actor=user)
    assert downtime_of(plant["machine"]) == [(0.0, 30.0, "JAM", "JAM")]
    # arrives late: the machine ran 10-20 inside that period
    signals_ingest(company=None, rows=rows_of([(topic, {"ts": iso(base, 10), "state": "running"}),
                                               (topic, {"ts": iso(base, 20), "state": "down", "reason": "JAM"})]),
                   actor=user)
    assert downtime_of(plant["machine"]) == [(0.0, 10.0, "JAM", "JAM"), (20.0, 30.0, "JAM", "JAM")]


def test_the_supervisors_classification_survives_later_signals(plant, user, company):
    signals_ingest(company=None, rows=rows_of(sequence_messages(plant["base"])[:7]), actor=user)
    unclassified = DowntimeEvent.objects.get(machine_reason="XX9")
    assert unclassified.end is None
    assert unclassified.reason.code == "UNCLASSIFIED"
    tooling = DowntimeReasonFactory(company=company, code="TOOL")
    downtime_classify(event=unclassified, reason=tooling, actor=user, notes="Broken insert")
    signals_ingest(company=None, rows=rows_of(sequence_messages(plant["base"])[7:]), actor=user)
    unclassified.refresh_from_db()
    assert (unclassified.reason.code, unclassified.notes, unclassified.end - unclassified.start) == (
        "TOOL", "Broken insert", datetime.timedelta(minutes=10))


def test_a_machine_period_keeps_its_signal_times(plant, user):
    signals_ingest(company=None, rows=rows_of(sequence_messages(plant["base"])), actor=user)
    event = DowntimeEvent.objects.get(machine_reason="JAM")
    with pytest.raises(DomainError) as error:
        downtime_update(instance=event, actor=user, end=event.end + datetime.timedelta(minutes=5))
    assert error.value.field == "end"


def test_mapped_by_machine_code(plant, user, company):
    DowntimeReasonFactory(company=company, code="TOOLING", machine_code="XX9")
    signals_ingest(company=None, rows=rows_of(sequence_messages(plant["base"])), actor=user)
    assert [row[2] for row in downtime_of(plant["machine"])] == ["JAM", "TOOLING", "JAM"]


def test_bulk_rows_of_another_company_are_refused_whole(plant, user, other_company):
    with pytest.raises(DomainError) as error:
        signals_ingest(company=other_company, rows=rows_of(sequence_messages(plant["base"])), actor=user)
    assert error.value.field == "0.equipment"
    assert MachineSignal.objects.count() == 0


def test_another_companys_topic_changes_nothing_and_is_counted(plant, user, other_company):
    other_company.code = "OTHER"
    other_company.save()
    tally = DropTally()
    rows = rows_of(sequence_messages(plant["base"], company="OTHER"), tally)
    assert rows == []
    assert dict(tally.counts) == {(other_company.pk, "wrong_company"): 10}
    signal_drops_record(drops=tally.counts, details=tally.details)
    assert not MachineSignal.objects.exists()
    assert not DowntimeEvent.objects.exists()
    drop = MachineSignalDrop.objects.get()
    assert (drop.company, drop.reason, drop.count) == (other_company, "wrong_company", 10)


def test_bad_messages_are_counted_per_reason(plant, company):
    base, tally = plant["base"], DropTally()
    future = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    messages = [
        ("millwright/DEMO/CNC1/M1/state", b"not json"),
        ("millwright/DEMO/CNC1/M1/state", json.dumps({"ts": iso(base, 1), "state": "exploded"}).encode()),
        ("millwright/DEMO/CNC1/M1/count", json.dumps({"ts": iso(base, 1), "good": -1}).encode()),
        ("millwright/DEMO/CNC1/M1/count", json.dumps({"ts": "2026-01-01T00:00:00", "good": 1}).encode()),
        ("millwright/DEMO/CNC1/M1/temperature", b"{}"),
        ("elsewhere/DEMO", b"{}"),
        ("millwright/DEMO/CNC1/NOPE/state", json.dumps({"ts": iso(base, 1), "state": "idle"}).encode()),
        ("millwright/NOSUCH/CNC1/M1/state", json.dumps({"ts": iso(base, 1), "state": "idle"}).encode()),
        ("millwright/DEMO/CNC1/M1/state", json.dumps({"ts": future, "state": "idle"}).encode()),
        ("millwright/DEMO/CNC1/M1/state", json.dumps({"ts": "2020-01-01T00:00:00Z", "state": "idle"}).encode()),
    ]
    directory = EquipmentDirectory()
    assert [read_message(t, p, directory, tally) for t, p in messages] == [None] * len(messages)
    assert dict(tally.counts) == {(company.pk, "malformed"): 5, (None, "malformed"): 1,
                                  (company.pk, "unknown_equipment"): 1, (None, "wrong_company"): 1,
                                  (company.pk, "future_ts"): 1, (company.pk, "too_old"): 1}
    signal_drops_record(drops=tally.counts, details=tally.details)
    signal_drops_record(drops=tally.counts, details=tally.details)
    assert MachineSignalDrop.objects.get(company=company, reason="malformed").count == 10


@override_settings(MES_MACHINE_SILENCE_SECONDS=60)
def test_a_silent_machine_turns_unknown_and_comes_back(plant, user):
    signals_ingest(company=None, rows=rows_of(sequence_messages(plant["base"])[:1]), actor=user)
    machine, work_center = plant["machine"], plant["work_center"]
    machine.refresh_from_db()
    assert machine.machine_state == "running"
    assert machines_mark_silent(now=timezone.now() + datetime.timedelta(seconds=30)) == 0
    assert machines_mark_silent(now=timezone.now() + datetime.timedelta(seconds=61)) == 1
    machine.refresh_from_db()
    work_center.refresh_from_db()
    assert (machine.machine_state, work_center.status) == ("unknown", "unknown")
    signals_ingest(company=None, rows=rows_of(sequence_messages(plant["base"])[1:2]), actor=user)  # a count
    machine.refresh_from_db()
    work_center.refresh_from_db()
    assert (machine.machine_state, work_center.status) == ("running", "running")


def test_a_machine_heard_within_the_second_is_rewritten_for_a_state_only(plant, user):
    """A machine heard from less than a second ago is left as it is unless it sends a state (the test's
    transaction has one now(): the machine's last signal is set back from it)."""
    messages, machine = sequence_messages(plant["base"]), plant["machine"]

    def heard_ago(seconds: float):
        Equipment.objects.filter(pk=machine.pk).update(last_signal_at=Now() - datetime.timedelta(seconds=seconds))
        machine.refresh_from_db()
        return machine.last_signal_at

    signals_ingest(company=None, rows=rows_of(messages[:1]), actor=user)  # running
    heard = heard_ago(0.5)
    signals_ingest(company=None, rows=rows_of(messages[1:2]), actor=user)  # a count
    machine.refresh_from_db()
    assert (machine.machine_state, machine.last_signal_at) == ("running", heard)
    signals_ingest(company=None, rows=rows_of(messages[3:4]), actor=user)  # down
    machine.refresh_from_db()
    assert machine.machine_state == "down"
    assert machine.last_signal_at > heard
    heard = heard_ago(2)
    signals_ingest(company=None, rows=rows_of(messages[2:3]), actor=user)  # a count
    machine.refresh_from_db()
    assert (machine.machine_state, machine.state_reason) == ("down", "JAM")
    assert machine.last_signal_at > heard


def test_retention_purges_raw_counts_and_keeps_one_state_per_minute(plant, user):
    base = plant["base"]
    late_idle = ("millwright/DEMO/CNC1/M1/state", {"ts": iso(base, 30.5), "state": "idle"})
    messages = [*sequence_messages(plant["base"]), late_idle]
    signals_ingest(company=None, rows=rows_of(messages), actor=user)  # read under the default retention: a
    with override_settings(MES_SIGNAL_RETENTION_DAYS=1):  # day's retention refuses yesterday's after 08:00
        result = signals_roll_up(now=base + datetime.timedelta(days=1, hours=2))
    assert (result.counts_purged, result.states_rolled_up) == (3, 1)  # 30.0 running gives way to 30.5 idle
    assert not MachineSignal.objects.filter(kind="count").exists()
    assert MachineCount.objects.count() == 3  # the per-minute counts stay
    assert downtime_of(plant["machine"]) == EXPECTED_DOWNTIME
