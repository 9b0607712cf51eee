"""`manage.py run_thread`: one customer order through every module (apps/erp/services/thread.py), step by step."""

from django.core.management.base import BaseCommand, CommandError

from apps.core.models import Company
from apps.erp.services.thread import StepReport, ThreadFailed, thread_run


class Command(BaseCommand):
    help = ("Run the thread in a company: lead → ECO → quote → sales order → MRP → purchase and receipt → production "
            "→ shipment → invoice → payment, through the services and events; print each step's documents and the "
            "checks; exit non-zero naming a check that fails.")

    def add_arguments(self, parser):
        parser.add_argument("--company", default="DEMO", help="Company code (default: DEMO, after seed_demo).")
        parser.add_argument("--worker", action="store_true",
                            help="Let the running Celery worker deliver the events (default: deliver them here too).")
        parser.add_argument("--timeout", type=float, default=60.0,
                            help="Seconds to wait for a step's events or the MRP run (default 60).")

    def handle(self, *args, **options):
        company = Company.objects.filter(code=options["company"]).first()
        if company is None:
            raise CommandError(f"No company with code {options['company']}: run `manage.py seed_demo` first, or "
                               "name one with --company.")

        def show(report: StepReport) -> None:
            self.stdout.write(self.style.MIGRATE_HEADING(f"{report.number}. {report.title}"))
            for line in report.documents:
                self.stdout.write(f"   {line}")
            for line in report.notes:
                self.stdout.write(f"   · {line}")

        try:
            thread = thread_run(company=company, deliver=not options["worker"], timeout=options["timeout"],
                                on_step=show)
        except ThreadFailed as exc:
            raise CommandError(f"The thread failed: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Thread {thread.tag} done in {company.code}: every check holds."))
