"""Work order services: create, release (operations, reservations, schedule, shortages), start, cancel, close."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import ConflictError, DomainError, TransitionNotAllowed
from apps.core.models import Event
from apps.mes.choices import WorkOrderStatus
from apps.mes.models import Operation, WorkOrder, WorkOrderMaterial
from apps.mes.services.scheduling import operations_schedule, schedule_backward
from apps.mes.services.workorders import (
    work_order_cancel,
    work_order_create,
    work_order_release,
    work_order_review_clear,
    work_order_start,
    work_order_update,
)
from apps.plm.choices import RevisionStatus
from apps.scm.choices import ReservationStatus
from apps.scm.models import Reservation, StockQuant
from tests.mes.factories import WorkCenterFactory, WorkCenterShiftFactory
from tests.mes.plant import build_plant
from tests.plm.factories import ItemFactory, RevisionFactory

DUE = datetime.date(2030, 3, 15)  # a Friday


def aware(*parts) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def plant(company, user):
    return build_plant(company, user)


def create(plant, quantity="10", **kwargs) -> WorkOrder:
    return work_order_create(company=plant.company, actor=plant.user, item=plant.product, revision=plant.revision,
                             quantity=Decimal(quantity), due_date=kwargs.pop("due_date", DUE), **kwargs)


def reservations(work_order):
    ids = [str(m.pk) for m in work_order.materials.all()]
    return Reservation.objects.filter(source_type="mes.workordermaterial", source_id__in=ids)


class TestCreate:
    def test_create_numbers_the_draft_and_links_the_definition(self, plant):
        work_order = create(plant)
        assert work_order.number == f"WO-{timezone.localdate().year}-00001"
        assert work_order.status == WorkOrderStatus.DRAFT
        assert work_order.definition == plant.definition
        assert create(plant).number.endswith("-00002")

    def test_unreleased_revision_is_refused(self, plant):
        draft = RevisionFactory(item=plant.product, code="B", status=RevisionStatus.DRAFT)
        with pytest.raises(DomainError) as error:
            work_order_create(company=plant.company, actor=plant.user, item=plant.product, revision=draft,
                              quantity=Decimal(1), due_date=DUE)
        assert error.value.field == "revision"
        assert error.value.code == "not_released"
        assert not WorkOrder.objects.exists()

    def test_revision_of_another_item_is_refused(self, plant):
        other = RevisionFactory(released=True, company=plant.company)
        with pytest.raises(DomainError) as error:
            work_order_create(company=plant.company, actor=plant.user, item=plant.product, revision=other,
                              quantity=Decimal(1), due_date=DUE)
        assert error.value.field == "revision"

    def test_bought_item_and_non_positive_quantity_are_refused(self, plant):
        with pytest.raises(DomainError) as error:
            create(plant, quantity="0")
        assert error.value.field == "quantity"
        bought_revision = RevisionFactory(released=True, company=plant.company, item=plant.bolt)
        with pytest.raises(DomainError) as error:
            work_order_create(company=plant.company, actor=plant.user, item=plant.bolt, revision=bought_revision,
                              quantity=Decimal(1), due_date=DUE)
        assert error.value.field == "item"

    def test_update_only_while_draft(self, plant):
        work_order = create(plant)
        work_order = work_order_update(instance=work_order, actor=plant.user, quantity=Decimal(12))
        assert work_order.quantity == Decimal(12)
        work_order_release(work_order=work_order, actor=plant.user)
        with pytest.raises(ConflictError):
            work_order_update(instance=work_order, actor=plant.user, quantity=Decimal(5))


class TestRelease:
    def test_release_copies_routing_reserves_with_scrap_and_schedules(self, plant):
        work_order = work_order_release(work_order=create(plant), actor=plant.user)
        assert work_order.status == WorkOrderStatus.RELEASED
        assert work_order.location == plant.stock
        ops = list(work_order.operations.order_by("sequence"))
        assert [(o.sequence, o.work_center, o.name) for o in ops] == [(10, plant.cutting, "Cut"),
                                                                      (20, plant.assembly, "Assemble")]
        materials = {m.component.number: m for m in work_order.materials.all()}
        assert materials["BOLT-M8"].quantity_required == Decimal("20")
        assert materials["STEEL-BAR"].quantity_required == Decimal("16.5")  # 1.5 x 10 x 1.10
        held = {(r.item.number, r.lot.code if r.lot else None): r.quantity for r in reservations(work_order)}
        assert held == {("BOLT-M8", None): Decimal("20"), ("STEEL-BAR", "S-1"): Decimal("10"),
                        ("STEEL-BAR", "S-2"): Decimal("6.5")}
        # backward from the due date (Fri 2030-03-15) over Mon-Fri 06:00-14:00
        assert timezone.localtime(ops[1].planned_end) == aware(2030, 3, 15, 14)
        assert timezone.localtime(ops[1].planned_start) == aware(2030, 3, 15, 12)
        assert timezone.localtime(ops[0].planned_end) == aware(2030, 3, 15, 12)
        assert timezone.localtime(ops[0].planned_start) == aware(2030, 3, 15, 10, 30)
        event = Event.objects.get(name="mes.work_order.released")
        assert event.payload["number"] == work_order.number
        assert event.payload["shortages"] == []

    def test_release_with_missing_components_lists_shortages_and_changes_nothing(self, company, user):
        plant = build_plant(company, user, stock_bolts="5", steel_lots=(("S-1", "3"),))
        work_order = create(plant)
        with pytest.raises(DomainError) as error:
            work_order_release(work_order=work_order, actor=plant.user)
        assert error.value.field == "materials"
        assert error.value.code == "shortage"
        assert error.value.extra["shortages"] == [
            {"item": "BOLT-M8", "item_id": plant.bolt.pk, "required": "20", "available": "5"},
            {"item": "STEEL-BAR", "item_id": plant.steel.pk, "required": "16.5", "available": "3"},
        ]
        assert "BOLT-M8: required 20, available 5" in error.value.message
        work_order.refresh_from_db()
        assert work_order.status == WorkOrderStatus.DRAFT
        assert not Operation.objects.exists()
        assert not WorkOrderMaterial.objects.exists()
        assert not Reservation.objects.exists()
        assert set(StockQuant.objects.values_list("reserved", flat=True)) == {Decimal(0)}
        assert not Event.objects.filter(name="mes.work_order.released").exists()

    def test_release_with_allow_shortage_reserves_what_there_is(self, company, user):
        plant = build_plant(company, user, stock_bolts="5", steel_lots=(("S-1", "3"),))
        work_order = work_order_release(work_order=create(plant), actor=plant.user, allow_shortage=True)
        assert work_order.status == WorkOrderStatus.RELEASED
        held = {r.item.number: r.quantity for r in reservations(work_order)}
        assert held == {"BOLT-M8": Decimal("5"), "STEEL-BAR": Decimal("3")}
        assert Event.objects.get(name="mes.work_order.released").payload["shortages"][0]["item"] == "BOLT-M8"

    def test_release_without_definition_is_refused(self, plant):
        work_order = create(plant)
        WorkOrder.objects.filter(pk=work_order.pk).update(definition=None)
        plant.definition.lines.all().delete()
        plant.definition.delete()
        with pytest.raises(DomainError) as error:
            work_order_release(work_order=work_order, actor=plant.user)
        assert error.value.code == "no_definition"

    def test_release_of_a_flagged_order_is_refused_until_reviewed(self, plant):
        work_order = create(plant)
        WorkOrder.objects.filter(pk=work_order.pk).update(needs_review=True, review_reason="Rev B released.")
        with pytest.raises(ConflictError) as error:
            work_order_release(work_order=work_order, actor=plant.user)
        assert error.value.field == "needs_review"
        work_order_review_clear(work_order=work_order, actor=plant.user)
        assert work_order_release(work_order=work_order, actor=plant.user).status == WorkOrderStatus.RELEASED

    def test_release_twice_answers_409(self, plant):
        work_order = work_order_release(work_order=create(plant), actor=plant.user)
        with pytest.raises(TransitionNotAllowed) as error:
            work_order_release(work_order=work_order, actor=plant.user)
        assert error.value.extra["current"] == "released"
        assert reservations(work_order).count() == 3

    def test_release_at_another_companys_location_is_refused(self, plant, other_company):
        from tests.scm.factories import LocationFactory

        foreign = LocationFactory(company=other_company)
        with pytest.raises(DomainError) as error:
            work_order_release(work_order=create(plant), actor=plant.user, location=foreign)
        assert error.value.field == "location"


class TestStartCancel:
    def test_start_needs_a_released_order(self, plant):
        work_order = create(plant)
        with pytest.raises(TransitionNotAllowed):
            work_order_start(work_order=work_order, actor=plant.user)
        work_order_release(work_order=work_order, actor=plant.user)
        assert work_order_start(work_order=work_order, actor=plant.user).status == WorkOrderStatus.IN_PROGRESS

    def test_cancel_gives_the_reservations_back(self, plant):
        work_order = work_order_release(work_order=create(plant), actor=plant.user)
        work_order = work_order_cancel(work_order=work_order, actor=plant.user)
        assert work_order.status == WorkOrderStatus.CANCELLED
        assert set(reservations(work_order).values_list("status", flat=True)) == {ReservationStatus.RELEASED}
        assert set(StockQuant.objects.values_list("reserved", flat=True)) == {Decimal(0)}

    def test_in_progress_order_cannot_be_cancelled(self, plant):
        work_order = work_order_release(work_order=create(plant), actor=plant.user)
        work_order_start(work_order=work_order, actor=plant.user)
        with pytest.raises(TransitionNotAllowed):
            work_order_cancel(work_order=work_order, actor=plant.user)


class TestScheduling:
    def test_backward_over_a_shift_calendar_skips_non_working_days(self, company):
        center = WorkCenterFactory(company=company)
        WorkCenterShiftFactory(work_center=center, weekday=0, start_time=datetime.time(7), hours=Decimal(4))
        latest = aware(2030, 3, 13, 23, 59)  # a Wednesday
        start, end = schedule_backward(work_center=center, latest_end=latest, minutes=Decimal(300))
        # Monday 11 March 07:00-11:00 holds 240 min, the other 60 min go to Monday 4 March
        assert timezone.localtime(end) == aware(2030, 3, 11, 11)
        assert timezone.localtime(start) == aware(2030, 3, 4, 10)

    def test_a_work_center_without_working_time_cannot_be_scheduled(self, company):
        center = WorkCenterFactory(company=company, capacity_hours_per_day=Decimal(0))
        operation = Operation(work_center=center, sequence=10, setup_minutes=0, run_minutes_per_unit=1)
        with pytest.raises(DomainError) as error:
            operations_schedule(operations=[operation], due_date=DUE, quantity=Decimal(1))
        assert error.value.field == "work_center"


def test_components_of_another_company_never_mix(plant, other_company):
    ItemFactory(company=other_company, number="BOLT-M8")
    work_order = work_order_release(work_order=create(plant), actor=plant.user)
    assert {m.component.company_id for m in work_order.materials.all()} == {plant.company.pk}


def test_production_demo_seed_is_idempotent(plant, other_company):
    from apps.mes.demo_production import seed_production
    from apps.mes.models import Routing, WorkCenter

    for _ in range(2):
        seed_production(company=plant.company, other_company=other_company, users={"admin": plant.user})
    assert WorkCenter.objects.filter(company=plant.company, code__in=["CUT", "MACH", "ASSY"]).count() == 3
    assert WorkCenter.objects.get(company=plant.company, code="MACH").equipment.count() == 2
    assert Routing.objects.filter(item=plant.product).count() == 1
    assert WorkOrder.objects.filter(item=plant.product, source_reference="Demo").count() == 1
