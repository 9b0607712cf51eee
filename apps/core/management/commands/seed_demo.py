"""`manage.py seed_demo`: the demo companies, users (password = user name) and each module's demo data."""

import importlib

from django.core.management.base import BaseCommand

LAYERS = ["core", "plm", "scm", "crm", "mes", "erp"]


class Command(BaseCommand):
    help = "Create the demo companies DEMO and DEMO2, one user per role, and demo data (idempotent)."

    def handle(self, *args, **options):
        from apps.core import demo as core_demo
        from apps.core.choices import DeliveryStatus
        from apps.core.models import EventDelivery
        from apps.core.outbox import deliver_pending

        # counted from the outbox, not from the calls here: the modules' demos deliver their own events as they go
        done = EventDelivery.objects.filter(status=DeliveryStatus.DONE)
        done_before = done.count()
        context = core_demo.seed()
        deliver_pending()
        for app in LAYERS[1:]:
            try:
                module = importlib.import_module(f"apps.{app}.demo")
            except ModuleNotFoundError:
                continue
            module.seed(**context)
            # each module's events are delivered before the next module seeds (the PLM release is MES's routing
            # before MES's demo plans work orders; ERP books what SCM and MES did)
            deliver_pending()
        delivered = done.count() - done_before
        self.stdout.write(self.style.SUCCESS(
            "Demo data ready: company DEMO (users admin, sales, engineer, buyer, storekeeper, operator, quality, "
            "accountant, manager, integrator) and DEMO2 (user other); each password equals the user name. "
            f"{delivered} event deliveries done."
        ))
