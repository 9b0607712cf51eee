"""`manage.py machine_gateway`: machine signals from MQTT (and OPC UA) into the database (apps/mes/gateway.py)."""

import logging

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.mes.gateway import run_gateway


class Command(BaseCommand):
    help = "Subscribe to millwright/+/+/+/+ (MQTT_URL) and read OPC UA machines; store signals and their effects."

    def add_arguments(self, parser):
        parser.add_argument("--client-id", default="millwright-gateway",
                            help="MQTT client id: the broker keeps this session (and its queued messages).")
        parser.add_argument("--url", default=None, help="Broker URL (default: MQTT_URL, else 127.0.0.1:1883).")
        parser.add_argument("--batch-size", type=int, default=settings.MES_GATEWAY_BATCH_SIZE)
        parser.add_argument("--flush-seconds", type=float, default=settings.MES_GATEWAY_FLUSH_SECONDS)
        parser.add_argument("--writers", type=int, default=settings.MES_GATEWAY_WRITERS,
                            help="Database writers (threads, each with a connection); a work center keeps to one.")
        parser.add_argument("--no-opcua", action="store_true", help="MQTT only.")

    def handle(self, *args, **options):
        logging.getLogger("millwright.gateway").setLevel(logging.INFO if options["verbosity"] > 1 else logging.WARNING)
        self.stdout.write(f"machine gateway: client id {options['client_id']}", ending="\n")
        self.stdout.flush()
        run_gateway(client_id=options["client_id"], url=options["url"], batch_size=options["batch_size"],
                    flush_seconds=options["flush_seconds"], opcua=not options["no_opcua"],
                    writers=options["writers"])
