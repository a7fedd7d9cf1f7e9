from workerbase.api.pydantic_v1_check import skip_pydantic_v1_import

skip_pydantic_v1_import()
