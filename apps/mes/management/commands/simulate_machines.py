"""`manage.py simulate_machines`: the demo company's machines sending believable signals over MQTT."""

import signal
import sys

from django.core.management.base import BaseCommand

from apps.mes.simulator import run_simulator


class Command(BaseCommand):
    help = "Publish simulated machine signals (cycles, counts, scrap, stops with reason codes) over MQTT."

    def add_arguments(self, parser):
        parser.add_argument("--company", default="DEMO", help="Company code (default DEMO).")
        parser.add_argument("--speed", type=float, default=1.0, help="Clock speed-up (2 = twice as fast).")
        parser.add_argument("--duration", type=float, default=None, help="Stop after this many simulated seconds.")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--url", default=None, help="Broker URL (default: MQTT_URL, else 127.0.0.1:1883).")
        parser.add_argument("--opcua", action="store_true",
                            help="Instead: serve one simulated OPC UA machine (see apps/mes/opcua_simulator.py).")

    def handle(self, *args, **options):
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        if options["opcua"]:
            from apps.mes.opcua_simulator import serve_forever

            serve_forever(stdout=self.stdout)
            return
        sent = run_simulator(company_code=options["company"], speed=options["speed"], duration=options["duration"],
                             seed=options["seed"], url=options["url"], stdout=self.stdout)
        self.stdout.write(f"{sent} signals sent\n")
