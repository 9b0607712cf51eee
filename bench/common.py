"""What the benchmarks share: Django on a throw-away database, and interleaved median timing.

Benchmarks are not tests: each builds its own data in its own database on the configured server
(the embedded one unless DATABASE_URL is set), runs the project's path and a baseline in the same
run, and drops the database at the end.
"""

import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def configure(database: str) -> None:
    """Make the project importable and point Django's test-database machinery at `database`."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suite.settings")
    os.environ["TEST_DATABASE_NAME"] = database
    os.environ.setdefault("DB_POOL", "false")
    import django

    django.setup()


@contextlib.contextmanager
def throwaway_database():
    """Create and migrate the benchmark database, and drop it whatever happens."""
    from django.db import connection

    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    print(f"creating and migrating database {connection.settings_dict['TEST']['NAME']} ...", flush=True)
    creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield connection
    finally:
        connection.close()
        creation.destroy_test_db(old_name, verbosity=0)


def interleaved(ours, baseline, runs: int) -> tuple[float, float, object, object]:
    """Median seconds of `runs` alternating calls of both (load from other processes hits both alike),
    after one warm-up call each; returns (ours, baseline, our last result, the baseline's last result)."""
    ours_result, base_result = ours(), baseline()
    ours_samples, base_samples = [], []
    for _ in range(runs):
        start = time.perf_counter()
        ours_result = ours()
        ours_samples.append(time.perf_counter() - start)
        start = time.perf_counter()
        base_result = baseline()
        base_samples.append(time.perf_counter() - start)
    return statistics.median(ours_samples), statistics.median(base_samples), ours_result, base_result
