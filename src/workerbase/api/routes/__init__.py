"""One router per resource. FastAPI's pydantic.v1 check is answered without importing pydantic.v1 before
the first route is declared (`api/pydantic_v1_check.py`). It runs here, not in `workerbase.api`, whose
`chat_sockets` the Worker and the Pyodide suite import without FastAPI."""

from workerbase.api.pydantic_v1_check import skip_pydantic_v1_import

skip_pydantic_v1_import()
