"""Required quality checks: routing operations name inspection plans; work orders copy them at release and an
operation cannot finish before each plan's checks passed. Service, API and screens."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core.errors import DomainError
from apps.mes.choices import CheckResult, OperationStatus
from apps.mes.models import QualityCheck, Routing, RoutingOperation
from apps.mes.services.masterdata import routing_create, routing_update
from apps.mes.services.operations import operation_finish, operation_missing_checks, operation_start
from apps.mes.services.quality import quality_check_record
from apps.mes.services.workorders import work_order_create, work_order_release
from tests.mes.factories import CheckDefinitionFactory, InspectionPlanFactory, WorkCenterFactory
from tests.mes.plant import build_plant
from tests.plm.factories import ItemFactory

pytestmark = pytest.mark.urls("tests.mes.urls")
BASE = "/api/v1/mes"
DUE = datetime.date(2030, 3, 15)


@pytest.fixture
def plant(company, user):
    plant = build_plant(company, user)
    plant.bore = InspectionPlanFactory(company=company, item=plant.product, name="Bore check", operation_sequence=10)
    plant.bore_check = CheckDefinitionFactory(plan=plant.bore, name="Bore diameter")
    plant.visual = InspectionPlanFactory(company=company, item=plant.product, name="Visual", operation_sequence=10)
    plant.visual_check = CheckDefinitionFactory(plan=plant.visual, name="Burrs", kind="pass_fail", nominal=None,
                                                lower_tolerance=None, upper_tolerance=None, unit="")
    cut = RoutingOperation.objects.get(routing__item=plant.product, sequence=10)
    cut.required_checks.set([plant.bore, plant.visual])
    return plant


def started_first_operation(plant):
    order = work_order_create(company=plant.company, actor=plant.user, item=plant.product, revision=plant.revision,
                              quantity=Decimal(10), due_date=DUE)
    order = work_order_release(work_order=order, actor=plant.user)
    first = order.operations.get(sequence=10)
    operation_start(operation=first, actor=plant.user)
    return order, first


def test_release_copies_the_required_plans_to_the_work_order_operations(plant):
    order, first = started_first_operation(plant)
    assert sorted(first.required_checks.values_list("name", flat=True)) == ["Bore check", "Visual"]
    assert not order.operations.get(sequence=20).required_checks.exists()
    # the copy is the order's own: changing the routing later does not change it
    RoutingOperation.objects.get(routing__item=plant.product, sequence=10).required_checks.clear()
    assert first.required_checks.count() == 2


def test_an_operation_cannot_finish_before_its_required_checks_passed(plant):
    _order, first = started_first_operation(plant)
    with pytest.raises(DomainError) as error:
        operation_finish(operation=first, actor=plant.user, quantity_good=Decimal(10))
    assert (error.value.field, error.value.code) == ("required_checks", "checks_missing")
    assert error.value.message == f"Operation {first} needs passing quality checks first: Bore check, Visual."
    assert error.value.extra["missing"] == [{"id": plant.bore.pk, "name": "Bore check"},
                                            {"id": plant.visual.pk, "name": "Visual"}]
    first.refresh_from_db()
    assert (first.status, first.quantity_good, first.actual_end) == (OperationStatus.IN_PROGRESS, Decimal(0), None)

    quality_check_record(company=plant.company, actor=plant.user, check_definition=plant.visual_check,
                         operation=first, passed=True)
    assert operation_missing_checks(first) == [plant.bore]
    with pytest.raises(DomainError) as error:
        operation_finish(operation=first, actor=plant.user, quantity_good=Decimal(10))
    assert error.value.message == f"Operation {first} needs passing quality checks first: Bore check."

    quality_check_record(company=plant.company, actor=plant.user, check_definition=plant.bore_check,
                         operation=first, measured_value=Decimal("10.020"))
    finished = operation_finish(operation=first, actor=plant.user, quantity_good=Decimal(10))
    assert (finished.status, finished.quantity_good) == (OperationStatus.DONE, Decimal(10))


def test_a_failed_check_does_not_count_as_passed(plant):
    _order, first = started_first_operation(plant)
    quality_check_record(company=plant.company, actor=plant.user, check_definition=plant.bore_check,
                         operation=first, measured_value=Decimal("10.500"))  # out of tolerance: fails
    assert QualityCheck.objects.get(operation=first).result == CheckResult.FAIL
    assert operation_missing_checks(first) == [plant.bore, plant.visual]


def test_routing_service_sets_and_replaces_required_checks_and_refuses_other_items(plant, company, user):
    item = ItemFactory(made=True, company=company)
    center = WorkCenterFactory(company=company)
    own = InspectionPlanFactory(company=company, item=item, name="Own plan")
    row = {"sequence": 10, "work_center": center, "run_minutes_per_unit": Decimal(1)}
    with pytest.raises(DomainError) as error:
        routing_create(company=company, actor=user, item=item, operations=[{**row, "required_checks": [plant.bore]}])
    assert error.value.field == "operations.0.required_checks"
    assert error.value.message == f"Inspection plan Bore check is for another item than {item.number}."
    assert not Routing.objects.filter(item=item).exists()

    routing = routing_create(company=company, actor=user, item=item, operations=[{**row, "required_checks": [own]}])
    assert list(routing.operations.get().required_checks.all()) == [own]
    routing_update(instance=routing, actor=user, operations=[{**row, "required_checks": []}])
    assert not routing.operations.get().required_checks.exists()


def test_api_takes_and_shows_required_checks_as_plan_ids(api, plant, company, other_company):
    item = ItemFactory(made=True, company=company)
    center = WorkCenterFactory(company=company)
    own = InspectionPlanFactory(company=company, item=item, name="Leak test")
    foreign = InspectionPlanFactory(company=other_company, name="Foreign plan")
    op = {"sequence": 10, "work_center": center.pk, "setup_minutes": "0", "run_minutes_per_unit": "1"}

    response = api.post(f"{BASE}/routings/", {"item": item.pk, "operations": [{**op, "required_checks": [foreign.pk]}]},
                        format="json")
    assert response.status_code == 400, response.content
    assert "operations.0.required_checks" in [e["attr"] for e in response.json()["errors"]]
    assert not Routing.objects.filter(item=item).exists()

    response = api.post(f"{BASE}/routings/", {"item": item.pk, "operations": [{**op, "required_checks": [own.pk]}]},
                        format="json")
    assert response.status_code == 201, response.content
    assert response.json()["operations"][0]["required_checks"] == [own.pk]
    routing = Routing.objects.get(item=item)
    assert list(routing.operations.get().required_checks.all()) == [own]

    _order, first = started_first_operation(plant)
    body = api.get(f"{BASE}/operations/{first.pk}/").json()
    assert sorted(body["required_checks"]) == sorted([plant.bore.pk, plant.visual.pk])
    response = api.post(f"{BASE}/operations/{first.pk}/finish/", {"quantity_good": "10"}, format="json")
    assert response.status_code == 400, response.content
    assert [e["attr"] for e in response.json()["errors"]] == ["required_checks"]
    first.refresh_from_db()
    assert first.status == OperationStatus.IN_PROGRESS


def test_routing_form_saves_required_checks(web, company):
    item = ItemFactory(made=True, company=company)
    center = WorkCenterFactory(company=company)
    plan = InspectionPlanFactory(company=company, item=item, name="Final check")
    response = web.post(reverse("mes:routing_create"), {
        "item": item.pk, "name": "Main", "is_active": "on",
        "operations-TOTAL_FORMS": "1", "operations-INITIAL_FORMS": "0", "operations-0-sequence": "10",
        "operations-0-work_center": center.pk, "operations-0-setup_minutes": "0",
        "operations-0-run_minutes_per_unit": "2", "operations-0-required_checks": [plan.pk]})
    assert response.status_code == 302, response.content.decode()[:3000]
    routing = Routing.objects.get(item=item)
    assert list(routing.operations.get().required_checks.all()) == [plan]
    page = web.get(routing.get_absolute_url())
    assert page.status_code == 200
    assert "Final check" in page.content.decode()


def test_operation_page_and_operator_screen_list_required_checks_and_record_them(web, plant):
    _order, first = started_first_operation(plant)
    page = web.get(reverse("mes:operation_detail", args=[first.pk])).content.decode()
    for text in ("Required checks", "Bore check", "Visual"):
        assert text in page

    screen = reverse("mes:operator_screen", args=[plant.cutting.pk])
    html = web.get(f"{screen}?operation={first.pk}").content.decode()
    assert 'data-testid="missing-checks"' in html
    assert f'data-testid="record-check-{plant.visual_check.pk}"' in html
    response = web.post(reverse("mes:operator_check", args=[first.pk]),
                        {"check_definition": plant.visual_check.pk, "passed": "pass"})
    assert response.status_code == 302
    assert response["Location"] == f"{screen}?operation={first.pk}"
    [check] = QualityCheck.objects.filter(operation=first)
    assert (check.check_definition, check.result, check.inspector) == (plant.visual_check, CheckResult.PASS,
                                                                       plant.user)
    html = web.get(f"{screen}?operation={first.pk}").content.decode()
    assert f'data-testid="record-check-{plant.visual_check.pk}"' not in html
    assert f'data-testid="record-check-{plant.bore_check.pk}"' in html
