"""Where one synchronous flow of `flow_latency.py` spends its SQL statements and time (not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/flow_profile.py \\
        [--flows 10] [--show wo_create,deliver_completed] [--profile /tmp/flow.prof]

Runs the flow of `flow_latency.py` (PLM release, MES definition, work order create/release/complete, ERP posting)
in this process, after three warm-up flows, and prints the SQL statements per step (savepoints included), per
flow; `--show` lists the statements of the steps named; `--profile` writes a cProfile of the timed flows.
Creates its own database `bench_flow_profile` and drops it at the end.
"""

import argparse
import collections
import cProfile
import datetime
import os
import time
from decimal import Decimal

import flow_latency as flow
from common import configure, throwaway_database

DATABASE = os.environ.get("BENCH_DATABASE", "bench_flow_profile")


class Statements:
    """A `connection.execute_wrapper` counting statements per step, and the CPU time each step takes in this process
    and in its PostgreSQL backend (`backend`: its pid, read from /proc on the same machine)."""

    def __init__(self, backend: int | None = None):
        self.backend = backend
        self._step, self._since = "bench", self._clocks()
        self.sql: dict[str, list[str]] = collections.defaultdict(list)
        self.cpu: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0])

    def _clocks(self) -> tuple[float, float]:
        return time.process_time(), flow.cpu_of(self.backend) if self.backend else 0.0

    @property
    def step(self) -> str:
        return self._step

    @step.setter
    def step(self, name: str) -> None:
        now = self._clocks()
        spent = self.cpu[self._step]
        spent[0] += now[0] - self._since[0]
        spent[1] += now[1] - self._since[1]
        self._step, self._since = name, now

    def __call__(self, execute, sql, params, many, context):
        self.sql[self.step].append(sql)
        return execute(sql, params, many, context)


def run(order, company, people, stock, statements: Statements) -> None:
    from django.utils import timezone

    from apps.mes.services.workorders import work_order_complete, work_order_create, work_order_release
    from apps.plm.services.changes import change_order_release

    def deliver(name: str, subject_id: str, step: str) -> None:
        from apps.core.choices import DeliveryStatus
        from apps.core.models import EventDelivery
        from apps.core.outbox import deliver as deliver_one

        ids = list(EventDelivery.objects.filter(event__name=name, event__subject_id=subject_id,
                                                status=DeliveryStatus.PENDING).values_list("pk", flat=True))
        statements.step = step
        for delivery_id in ids:
            deliver_one(delivery_id)
        statements.step = "bench"

    statements.step = "release"
    change_order_release(change_order=order, actor=people["engineer"])
    statements.step = "bench"
    revision = order.revisions.select_related("item").get()
    deliver("plm.revision.released", str(revision.pk), "deliver_released")
    statements.step = "wo_create"
    work_order = work_order_create(company=company, actor=people["operator"], item=revision.item,
                                   quantity=Decimal(1), due_date=timezone.localdate() + datetime.timedelta(days=7))
    statements.step = "wo_release"
    work_order = work_order_release(work_order=work_order, actor=people["operator"], location=stock)
    statements.step = "wo_complete"
    work_order = work_order_complete(work_order=work_order, quantity_good=Decimal(1), actor=people["operator"])
    statements.step = "bench"
    deliver("mes.work_order.completed", str(work_order.pk), "deliver_completed")
    assert flow.posted(work_order), f"{work_order.number} was not posted"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flows", type=int, default=10)
    parser.add_argument("--show", default="", help="comma-separated steps whose statements to list")
    parser.add_argument("--profile", default="", help="write a cProfile of the timed flows to this file")
    args = parser.parse_args()
    flow.production_settings()
    configure(DATABASE)
    from django.db import connection

    with throwaway_database():
        company, people, component, stock = flow.world()
        orders = flow.build(args.flows + 3, company, people, component, stock)
        warm_up = Statements()
        with connection.execute_wrapper(warm_up):
            for order in orders[:3]:
                run(order, company, people, stock, warm_up)
        backend = flow.backend_pids(connection, others=False)[0]
        statements, profile = Statements(backend), cProfile.Profile()
        started = time.perf_counter()
        with connection.execute_wrapper(statements):
            if args.profile:
                profile.enable()
            for order in orders[3:]:
                run(order, company, people, stock, statements)
            if args.profile:
                profile.disable()
        elapsed = time.perf_counter() - started
        statements.step = "bench"  # closes the last step's CPU account
        profiled = " (profiled)" if args.profile else ""
        print(f"{args.flows} flows, {elapsed / args.flows * 1000:.1f} ms per flow{profiled}; load average "
              f"{open('/proc/loadavg').read().strip()}")
        total, cpu = 0, [0.0, 0.0]
        ms = 1000 / args.flows
        for step, sql in statements.sql.items():
            if step != "bench":
                total += len(sql)
                client, server = statements.cpu[step]
                cpu = [cpu[0] + client, cpu[1] + server]
                print(f"  {step:<20} {len(sql) / args.flows:6.1f} statements, CPU client {client * ms:5.1f} ms, "
                      f"PostgreSQL {server * ms:5.1f} ms")
        print(f"  {'per flow':<20} {total / args.flows:6.1f} statements, CPU client {cpu[0] * ms:5.1f} ms, "
              f"PostgreSQL {cpu[1] * ms:5.1f} ms")
        for step in filter(None, args.show.split(",")):
            print(f"--- {step} (one flow)")
            sql = statements.sql[step]
            for text in sql[-len(sql) // args.flows:]:
                print("   ", " ".join(text.split())[:240])
        if args.profile:
            profile.dump_stats(args.profile)


if __name__ == "__main__":
    main()
