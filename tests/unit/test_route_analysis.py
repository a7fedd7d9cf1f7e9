"""`api/route_analysis.py`: FastAPI's route analysis shares what is the same across routes, and the app it
builds is the one FastAPI alone would build."""

import json
import subprocess
import sys
from collections.abc import MutableMapping
from typing import Annotated, Any

import pytest
from fastapi import FastAPI, Query
from fastapi._compat import v2
from fastapi.dependencies import utils as dependency_utils
from fastapi.routing import APIRoute
from pydantic import BaseModel

from workerbase.api.routes.chats import ChatIn, ChatOut
from workerbase.app import create_app
from workerbase.platform import Platform

OPENAPI_DOCUMENT = """
import json, sys
if sys.argv[1] == "fastapi-alone":
    import workerbase.api.route_analysis
    workerbase.api.route_analysis.share_route_analysis = lambda: None
from workerbase.app import create_app
from workerbase.platform import Platform
print(json.dumps(create_app(lambda scope: None).openapi()))
"""


def no_platform(scope: MutableMapping[str, Any]) -> Platform:
    raise AssertionError("building the app touches no binding")


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(no_platform)


def routes(app: FastAPI) -> list[APIRoute]:
    return [route for route in app.routes if isinstance(route, APIRoute)]


def test_the_hooks_are_installed_on_this_fastapi() -> None:
    # If a FastAPI upgrade moved what they wrap, they are skipped: the app is right, only slower to build.
    assert hasattr(v2.ModelField.__post_init__, "__wrapped__")
    assert hasattr(dependency_utils.get_typed_signature, "__wrapped__")
    assert hasattr(dependency_utils._get_signature, "__wrapped__")


def test_equal_parameters_share_one_adapter(app: FastAPI) -> None:
    chat_ids = [
        field for route in routes(app) for field in route.dependant.path_params if field.name == "chat_id"
    ]
    assert len(chat_ids) > 10
    assert len({id(field._type_adapter) for field in chat_ids}) == 1
    assert len({id(field) for field in chat_ids}) == len(chat_ids)  # the fields stay the routes' own


def test_a_body_or_response_that_is_a_model_uses_the_models_validator_and_serializer(app: FastAPI) -> None:
    responses = [route.response_field for route in routes(app) if route.response_model is ChatOut]
    bodies = [route.body_field for route in routes(app) if route.name == "create_chat"]
    assert responses
    assert len(bodies) == 1
    expected: list[tuple[Any, type[BaseModel]]] = [(field, ChatOut) for field in responses]
    expected.append((bodies[0], ChatIn))
    for field, model in expected:
        assert field is not None
        assert field._type_adapter.validator is model.__pydantic_validator__
        assert field._type_adapter.serializer is model.__pydantic_serializer__


def test_what_cannot_be_compared_is_built_as_fastapi_builds_it() -> None:
    app = FastAPI()
    Tag = Annotated[str, Query(examples=["urgent"])]  # a list: unhashable, so never shared

    @app.get("/first")
    async def first(tag: Tag = "none") -> dict[str, str]:
        return {"tag": tag}

    @app.get("/second")
    async def second(tag: Tag = "none") -> dict[str, str]:
        return {"tag": tag}

    fields = [route.dependant.query_params[0] for route in routes(app)]
    assert len(fields) == 2
    assert fields[0]._type_adapter is not fields[1]._type_adapter
    assert [field.validate("urgent")[0] for field in fields] == ["urgent", "urgent"]


def test_the_openapi_document_is_the_one_fastapi_alone_builds() -> None:
    documents = [
        subprocess.run(
            [sys.executable, "-c", OPENAPI_DOCUMENT, variant], capture_output=True, text=True, check=True
        ).stdout
        for variant in ("shared", "fastapi-alone")
    ]
    assert documents[0] == documents[1]
    assert json.loads(documents[0])["paths"]
