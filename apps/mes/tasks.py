"""MES Celery tasks; thin wrappers over the signal services."""

from dataclasses import asdict

from celery import shared_task

from apps.mes.services.signals import machines_mark_silent, signals_roll_up


@shared_task(name="mes.mark_silent_machines")
def mark_silent_machines() -> int:
    """Periodic: machines silent longer than MES_MACHINE_SILENCE_SECONDS turn `unknown`."""
    return machines_mark_silent()


@shared_task(name="mes.roll_up_signals")
def roll_up_signals() -> dict[str, int]:
    """Periodic: raw signals past the retention are rolled up to per-minute rows and purged."""
    return asdict(signals_roll_up())
