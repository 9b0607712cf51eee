"""A client generated from the committed `openapi.yaml` works unmodified (issue #9): every generated module
imports, and it reads a real BOM explosion (an array, not a page) and a real problem+json error.

openapi-python-client generates into a temporary package; its HTTP calls go through an httpx transport onto
Django's test client, so they run in the test's transaction.
"""

import importlib
import pkgutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import yaml
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.plm.factories import BomLineFactory, ItemFactory, RevisionFactory

PACKAGE = "millwright_generated_client"
# PDFs and downloads are binary bodies; the generator's name for those is application/octet-stream
GENERATOR_CONFIG = """\
post_hooks: []
content_type_overrides:
  application/pdf: application/octet-stream
  "*/*": application/octet-stream
"""


class DjangoTransport(httpx.BaseTransport):
    """httpx requests answered by Django's test client (same process, same database transaction)."""

    def __init__(self):
        self.client = Client()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        headers = {name: value for name, value in request.headers.items()
                   if name.lower() not in ("host", "content-length", "content-type")}
        response = self.client.generic(request.method, request.url.raw_path.decode(), data=request.read(),
                                       content_type=request.headers.get("content-type", ""), headers=headers)
        return httpx.Response(response.status_code, headers=list(response.items()), content=response.content)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The client package generated from the committed openapi.yaml, importable."""
    root = tmp_path_factory.mktemp("client")
    config = root / "config.yaml"
    config.write_text(GENERATOR_CONFIG)
    result = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate",
         "--path", str(Path(settings.BASE_DIR) / "openapi.yaml"), "--output-path", str(root / PACKAGE),
         "--meta", "none", "--config", str(config)],
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE), result.stdout + result.stderr
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name.startswith(PACKAGE)]:
            del sys.modules[name]


def test_the_generator_understands_every_operation_and_every_module_imports(generated):
    package, output = generated
    assert "WARNING" not in output, output
    modules = [importlib.import_module(info.name)
               for info in pkgutil.walk_packages(package.__path__, f"{PACKAGE}.")]
    operations = [module for module in modules if ".api." in module.__name__ and hasattr(module, "sync_detailed")]
    schema = yaml.safe_load((Path(settings.BASE_DIR) / "openapi.yaml").read_text())
    documented = [operation for path in schema["paths"].values() for method, operation in path.items()
                  if method in ("get", "post", "put", "patch", "delete")]
    assert len(operations) == len(documented) > 300


@pytest.mark.django_db
def test_the_generated_client_reads_an_explosion_and_a_problem(generated, company, user):
    package, _output = generated
    explode = importlib.import_module(f"{PACKAGE}.api.plm.plm_items_explode_list")
    models = importlib.import_module(f"{PACKAGE}.models")
    frame = ItemFactory(company=company, number="FRAME", item_type="make")
    tube = ItemFactory(company=company, number="TUBE")
    BomLineFactory(revision=RevisionFactory(item=frame), component=tube, quantity=Decimal("3"),
                   scrap_percent=Decimal("10"))
    client = package.AuthenticatedClient(base_url="http://testserver", prefix="Token",
                                         token=Token.objects.create(user=user).key,
                                         httpx_args={"transport": DjangoTransport()})

    rows = explode.sync(id=frame.pk, client=client, quantity="2")

    assert isinstance(rows, list)
    assert [type(row) for row in rows] == [models.ExplosionRow]
    row = rows[0]
    assert (row.level, row.item, row.number, row.quantity_per, row.scrap_percent, row.total_quantity) == (
        1, tube.pk, "TUBE", "3.0000", "10.0000", "6.6000")
    assert row.path == [tube.pk]

    problem = explode.sync(id=frame.pk, client=client, quantity="-1")
    assert isinstance(problem, models.Problem)
    assert (problem.status, problem.errors[0].attr, problem.errors[0].code) == (400, "quantity", "min_value")
