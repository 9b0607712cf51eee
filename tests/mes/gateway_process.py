"""`python -m tests.mes.gateway_process '<database settings JSON>' <client id>`: the machine gateway as its own
process on the test database, so a test can kill it (SIGKILL) mid-sequence."""

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suite.settings_test")
    from django.conf import settings

    settings.DATABASES["default"].update(json.loads(sys.argv[1]))
    import django

    django.setup()
    from apps.mes.gateway import run_gateway

    print("gateway starting", flush=True)
    run_gateway(client_id=sys.argv[2], batch_size=int(os.environ.get("GATEWAY_BATCH", "5000")), flush_seconds=0.05,
                opcua=False)


if __name__ == "__main__":
    main()
