"""`manage.py check_stock`: verify that every quant's on-hand equals the sum of its done moves."""

from django.core.management.base import BaseCommand, CommandError

from apps.core.models import Company
from apps.scm.selectors import stock_ledger_differences


class Command(BaseCommand):
    help = "Compare on-hand quantities with the sum of done stock moves; exit non-zero listing differences."

    def add_arguments(self, parser):
        parser.add_argument("--company", help="Company code (default: all companies).")

    def handle(self, *args, **options):
        company_ids = None
        if options["company"]:
            company = Company.objects.filter(code=options["company"]).first()
            if company is None:
                raise CommandError(f"No company with code {options['company']}.")
            company_ids = [company.pk]
        differences = stock_ledger_differences(company_ids=company_ids)
        for d in differences:
            self.stderr.write(f"item={d['item']} location={d['location']} lot={d['lot'] or '-'}: "
                              f"moves={d['moves']} on_hand={d['on_hand']}")
        if differences:
            raise CommandError(f"{len(differences)} stock difference(s) between quants and moves.")
        self.stdout.write(self.style.SUCCESS("Stock is consistent: on-hand equals the sum of done moves."))
