"""Datasette with SpatiaLite as an ASGI app, so that gunicorn can run it with several workers
(benches/load/run.sh; the database path comes from BENCH_DB). Immutable: Datasette's read-only mode."""

import os

from datasette.app import Datasette
from datasette.utils import find_spatialite

app = Datasette(
    immutables=[os.environ["BENCH_DB"]],
    sqlite_extensions=[find_spatialite()],
    settings={"sql_time_limit_ms": 30000, "max_returned_rows": 100000},
).app()
