"""``postcodes load`` benchmark (a script, not a test: pytest collects only ``test_*.py``).

    .venv/bin/python tests/perf/bench_postcodes.py [--rows 1000000] [--database-url URL]

Writes a made-up ONS Postcode Directory file of ``--rows`` rows (``tests/perf/onspd.py``, seeded), makes a
database with the app's migrations (a temporary SQLite file, or the empty database ``--database-url`` names,
e.g. a PostgreSQL one), then times ``postcodes load`` twice: into the empty table, and replacing it. Prints
wall and CPU seconds, the same per million rows, and the machine's load average before and after.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from app import create_app  # noqa: E402
from tests.perf.onspd import write_onspd  # noqa: E402


def cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-postcodes-") as folder:
        workdir = Path(folder)
        path = workdir / "ONSPD_BENCH_UK.csv"
        started = time.perf_counter()
        write_onspd(path, args.rows)
        print(f"{args.rows:,} rows written ({path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "INDEX_DIR": str(workdir / "index"),
                          "SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{workdir / 'bench.db'}",
                          "INSTANCE_PATH": str(workdir / "instance"), "LEAFLETS_REBUILD_ON_CHANGE": False})
        runner = app.test_cli_runner()
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        print(f"{os.cpu_count()} CPU(s); load average {os.getloadavg()[0]:.1f}; "
              f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}", flush=True)
        for what in ("into an empty table", "replacing a full one"):
            wall, used = time.perf_counter(), cpu()
            result = runner.invoke(args=["postcodes", "load", str(path)])
            wall, used = time.perf_counter() - wall, cpu() - used
            assert result.exit_code == 0, result.output
            per_million = 1_000_000 / args.rows
            print(f"load {what}: {wall:.1f} s wall, {used:.1f} s CPU; per million rows {wall * per_million:.1f} s "
                  f"wall, {used * per_million:.1f} s CPU; load average {os.getloadavg()[0]:.1f}", flush=True)
        print(result.output.strip().splitlines()[-2], flush=True)


if __name__ == "__main__":
    main()
