"""The MRP algorithm on hand-computed examples (pure, no database): low-level codes, netting, lot sizing, lead-time
offsetting over shift calendars, scrap, phantoms, pegging and exception messages."""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone

from apps.erp.services.mrp import engine
from apps.erp.services.mrp.engine import (
    BomEdge,
    Demand,
    ItemInput,
    Operation,
    PlanInputs,
    Receipt,
    plan,
)
from apps.mes.services.scheduling import schedule_backward

MONDAY = datetime.date(2026, 1, 5)


def day(n: int) -> datetime.date:
    return MONDAY + datetime.timedelta(days=n)


def item(id_, item_type="buy", **kw) -> ItemInput:
    return ItemInput(id=id_, number=f"I{id_:03d}", item_type=item_type, **kw)


def orders_of(result, item_id):
    return [(o.quantity, o.due_date, o.start_date) for o in result.planned if o.item_id == item_id]


def buckets(item_plan):
    """The time-phased rows with their quantities (stored as decimal strings) as numbers."""
    return [[row[0], *(D(value) for value in row[1:])] for row in item_plan.buckets]


def pegs_of(order):
    return list(order.pegs)


def test_a_sub_assembly_used_at_two_levels_is_made_for_exactly_what_is_needed():
    """odoo/odoo#74314: A uses B and C, C uses B again; 200 A need 400 B (not 600), in one order."""
    a, b, c = item(1, "make"), item(2, "buy"), item(3, "make")
    inputs = PlanInputs(start=MONDAY, horizon_days=30, items={1: a, 2: b, 3: c},
                        bom={1: [BomEdge(2, D(1)), BomEdge(3, D(1))], 3: [BomEdge(2, D(1))]},
                        demands=[Demand(1, day(10), D(200), "sales_order", 77)])
    result = plan(inputs)
    assert engine.low_level_codes(inputs.items, inputs.bom) == {1: 0, 3: 1, 2: 2}
    assert orders_of(result, 1) == [(D(200), day(10), day(10))]
    assert orders_of(result, 3) == [(D(200), day(10), day(10))]
    assert orders_of(result, 2) == [(D(400), day(10), day(10))]
    b_order = next(o for o in result.planned if o.item_id == 2)
    assert sorted(pegs_of(b_order)) == [("planned_order", D(200), day(10), 1), ("planned_order", D(200), day(10), 2)]
    assert result.levels == 3


def _multi_level(p1_params=None) -> PlanInputs:
    """FG (make, 2 days) = 2 SA (+10% scrap) + 1 PH (phantom); PH = 1 SA + 3 P1; SA (make, 1 day) = 1 P1;
    P1 bought with a 5-day supplier lead time. On hand: SA 4, PH 1. 10 FG due on day 20."""
    items = {1: item(1, "make", lead_time_days=2), 2: item(2, "make", lead_time_days=1), 3: item(3, "phantom"),
             4: item(4, "buy", supplier_id=900, supplier_lead_time_days=5, **(p1_params or {}))}
    bom = {1: [BomEdge(2, D(2), D(10)), BomEdge(3, D(1))], 3: [BomEdge(2, D(1)), BomEdge(4, D(3))],
           2: [BomEdge(4, D(1))]}
    return PlanInputs(start=MONDAY, horizon_days=60, items=items, bom=bom, on_hand={2: D(4), 3: D(1)},
                      demands=[Demand(1, day(20), D(10), "sales_order", 501)])


def test_multi_level_with_scrap_phantom_and_a_shared_sub_assembly():
    result = plan(_multi_level())
    # FG: 10 due day 20, starts 2 days earlier
    assert orders_of(result, 1) == [(D(10), day(20), day(18))]
    # SA: 10 x 2 x 1.10 = 22 for FG, plus 9 through the phantom (10 less the 1 PH on hand), less 4 on hand = 27
    assert orders_of(result, 2) == [(D(27), day(18), day(17))]
    # the phantom is never ordered
    assert orders_of(result, 3) == []
    # P1: 27 for SA's order (needed day 17) and 9 x 3 = 27 through the phantom (day 18), 5 days' lead time
    assert orders_of(result, 4) == [(D(27), day(17), day(12)), (D(27), day(18), day(13))]
    sa = next(o for o in result.planned if o.item_id == 2)
    # both for FG's order on day 18, the smaller first: the 4 on hand go to the 9, then 5 + 22 are made
    assert pegs_of(sa) == [("planned_order", D(5), day(18), 1), ("planned_order", D(22), day(18), 1)]
    p1 = [o for o in result.planned if o.item_id == 4]
    assert pegs_of(p1[0]) == [("planned_order", D(27), day(17), sa.seq)]
    assert pegs_of(p1[1]) == [("planned_order", D(27), day(18), 1)]  # through the phantom, to FG's order
    assert all(o.supplier_id == 900 and o.kind == "purchase" for o in p1)
    assert [o.kind for o in result.planned if o.item_id in (1, 2)] == ["production", "production"]


def test_minimum_and_multiple_lot_sizing_carry_the_excess_to_the_next_day():
    result = plan(_multi_level({"minimum_quantity": D(30), "multiple": D(25)}))
    p1 = [o for o in result.planned if o.item_id == 4]
    # day 17: 27 → at least 30 → 50; day 18 takes the 23 left, needs 4 more → 30 → 50 (46 kept in stock)
    assert [(o.quantity, o.due_date) for o in p1] == [(D(50), day(17)), (D(50), day(18))]
    assert pegs_of(p1[0]) == [("planned_order", D(27), day(17), 2), ("planned_order", D(23), day(18), 1)]
    assert pegs_of(p1[1]) == [("planned_order", D(4), day(18), 1), ("lot_size", D(46), day(18), None)]
    for order in result.planned:
        assert sum(quantity for _kind, quantity, _due, _ref in order.pegs) == order.quantity


def test_fixed_lots_and_the_supplier_minimum():
    inputs = PlanInputs(start=MONDAY, horizon_days=30,
                        items={1: item(1, lot_sizing="fixed", fixed_quantity=D(40)),
                               2: item(2, supplier_id=5, supplier_minimum=D(12))},
                        bom={}, demands=[Demand(1, day(3), D(100), "sales_order", 1),
                                         Demand(2, day(3), D(5), "sales_order", 2)])
    result = plan(inputs)
    assert [o.quantity for o in result.planned if o.item_id == 1] == [D(40), D(40), D(40)]
    assert pegs_of(result.planned[2])[-1] == ("lot_size", D(20), day(3), None)
    assert [o.quantity for o in result.planned if o.item_id == 2] == [D(12)]


def test_production_lead_time_is_scheduled_backward_over_the_shift_calendar_across_the_weekend():
    """16 h of work due on Monday: 8 h on Monday, none on the weekend, 8 h on Friday; then 1 fixed working day."""
    calendar = {d: (datetime.time(6, 0), D(8)) for d in range(5)}
    made = item(1, "make", lead_time_days=1, operations=(Operation(7, 60.0, 60.0),))
    inputs = PlanInputs(start=MONDAY, horizon_days=30, items={1: made}, bom={}, calendars={7: calendar},
                        demands=[Demand(1, day(7), D(15), "sales_order", 1)])
    result = plan(inputs)
    assert orders_of(result, 1) == [(D(15), day(7), day(3))]  # due Mon 12th, runs Fri 9th, fixed day Thu 8th
    # the engine schedules on naive local times
    monday_end = datetime.datetime(2026, 1, 12, 23, 59, 59)  # noqa: DTZ001
    friday_start = datetime.datetime(2026, 1, 9, 6, 0)  # noqa: DTZ001
    assert engine.backward(calendar, monday_end, 960) == friday_start


@pytest.mark.parametrize("minutes", [30, 480, 481, 960, 2500])
def test_backward_scheduling_agrees_with_mes(minutes):
    calendar = {0: (datetime.time(6, 0), D(8)), 2: (datetime.time(14, 0), D("7.5")), 4: (datetime.time(6, 0), D(4))}
    latest = datetime.datetime(2026, 1, 16, 23, 59, 59)  # noqa: DTZ001
    start, _end = schedule_backward(work_center=None, latest_end=timezone.make_aware(latest), minutes=D(minutes),
                                    calendar=calendar)
    assert engine.backward(calendar, latest, float(minutes)) == timezone.localtime(start).replace(tzinfo=None)


def test_safety_stock_is_kept_from_the_start_and_pegged():
    inputs = PlanInputs(start=MONDAY, horizon_days=10, items={1: item(1, safety_stock=D(10))}, bom={},
                        on_hand={1: D(4)}, demands=[Demand(1, day(2), D(3), "sales_order", 9)])
    result = plan(inputs)
    assert [(o.quantity, o.due_date) for o in result.planned] == [(D(6), MONDAY), (D(3), day(2))]
    assert pegs_of(result.planned[0]) == [("safety_stock", D(6), MONDAY, None)]
    assert buckets(result.item_plans[0]) == [[MONDAY.isoformat(), 0, 0, 6, 10], [day(2).isoformat(), 3, 0, 3, 10]]


def test_on_hand_and_open_supply_are_consumed_once():
    inputs = PlanInputs(start=MONDAY, horizon_days=30, items={1: item(1)}, bom={}, on_hand={1: D(6)},
                        receipts=[Receipt(1, day(2), D(3), "PO-1/1")],
                        demands=[Demand(1, day(3), D(5), "sales_order", 1), Demand(1, day(4), D(5), "sales_order", 2)])
    result = plan(inputs)
    # day 3: 5 of the 6 on hand; day 4: the last 1 + the 3 received on day 2, and 1 planned
    assert [(o.quantity, o.due_date) for o in result.planned] == [(D(1), day(4))]
    assert pegs_of(result.planned[0]) == [("sales_order", D(1), day(4), 2)]
    assert result.messages == []
    assert buckets(result.item_plans[0])[-1] == [day(4).isoformat(), 5, 0, 1, 0]


def test_exception_messages_late_expedite_defer_cancel():
    items = {1: item(1), 2: item(2), 3: item(3), 4: item(4, supplier_id=1, supplier_lead_time_days=10)}
    inputs = PlanInputs(
        start=MONDAY, horizon_days=60, items=items, bom={},
        receipts=[Receipt(1, day(20), D(5), "PO-1/1"), Receipt(2, day(1), D(5), "PO-2/1"),
                  Receipt(3, day(5), D(5), "WO-3")],
        demands=[Demand(1, day(5), D(5), "sales_order", 1), Demand(2, day(15), D(5), "sales_order", 2),
                 Demand(4, day(3), D(2), "sales_order", 4)])
    result = plan(inputs)
    kinds = {(m.kind, m.item_id, m.document, m.suggested_date) for m in result.messages}
    assert kinds == {("expedite", 1, "PO-1/1", day(5)), ("defer", 2, "PO-2/1", day(15)),
                     ("cancel", 3, "WO-3", None), ("late", 4, "", MONDAY)}
    late = next(o for o in result.planned if o.item_id == 4)
    assert late.is_late
    assert late.start_date == day(3) - datetime.timedelta(days=10)
    assert [o.item_id for o in result.planned] == [4]  # the open orders are moved, not doubled


def test_demand_before_the_start_is_needed_at_the_start_and_after_the_horizon_is_not_planned():
    inputs = PlanInputs(start=MONDAY, horizon_days=10, items={1: item(1)}, bom={},
                        demands=[Demand(1, day(-3), D(2), "sales_order", 1),
                                 Demand(1, day(10), D(7), "sales_order", 2)])
    result = plan(inputs)
    assert [(o.quantity, o.due_date) for o in result.planned] == [(D(2), MONDAY)]


def test_the_same_inputs_give_the_same_plan_and_progress_is_reported_per_level():
    reports = []
    first = plan(_multi_level({"minimum_quantity": D(30)}), lambda done, total: reports.append((done, total)))
    second = plan(_multi_level({"minimum_quantity": D(30)}))
    assert first == second
    assert reports == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_a_cancelled_run_stops_at_the_next_progress_report():
    def cancel(done, total):
        raise engine.Cancelled

    with pytest.raises(engine.Cancelled):
        plan(_multi_level(), cancel)
