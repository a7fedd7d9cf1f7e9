"""One router per resource. FastAPI's pydantic.v1 check is answered without importing pydantic.v1, and
its route analysis shares what routes have in common (`api/pydantic_v1_check.py`,
`api/route_analysis.py`), both set up before the first route is declared. That runs here, not in
`workerbase.api`, whose `chat_sockets` the Worker and the Pyodide suite import without FastAPI.

No route module (nor `api/schemas.py`) has `from __future__ import annotations`, as in `api/deps.py`:
FastAPI and pydantic evaluate each string annotation of a route, a parameter or a model field afresh,
and objects cost nothing to evaluate (37 M instructions of the cold import, bench/cold_import.py). A
method returning its own class says `Self`."""

from workerbase.api.pydantic_v1_check import skip_pydantic_v1_import
from workerbase.api.route_analysis import share_route_analysis

skip_pydantic_v1_import()
share_route_analysis()
