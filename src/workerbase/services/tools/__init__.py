"""Server-side tools the model may call during a reply, run by the Worker (`services/replies.py` runs the
loop). A tool is declared in code: a name, a description for the model, its input as a pydantic model
(the JSON schema the model is given, and what its arguments are validated against) and `run`. Its
output is JSON; it reaches the model as the tool's result and the client as `tool-output-available`.

`CHAT_TOOLS` (settings) names the tools replies may use, `CHAT_TOOLS_NEEDING_APPROVAL` those whose calls
wait for the user's approval; bootstrap builds them.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from workerbase.frozen import Frozen
from workerbase.ports import ChatModel, Emit, ToolSpec

if TYPE_CHECKING:  # the tools' modules import pydantic; this one runs where it is not (the Pyodide suite)
    from pydantic import BaseModel


class ToolContext(Frozen):
    """What a running tool may use: whose reply it is part of, a way to stream `data-*` parts to the
    client, and the reply's model (for tools that write with it)."""

    user_id: str
    chat_id: str
    emit: Emit
    model: ChatModel
    model_name: str


class Tool(Protocol):
    name: ClassVar[str]
    description: ClassVar[str]
    Input: ClassVar[type[BaseModel]]

    async def run(self, arguments: Any, context: ToolContext) -> Any:
        """The tool's JSON output; raising ToolError (or anything) makes it a `tool-output-error`."""
        ...


class ToolError(Exception):
    """A tool that could not do what it was asked: its message is shown to the model and the user."""


class BadToolInput(Exception):
    """The model called a tool that does not exist, or with arguments its schema refuses."""


class Toolbox:
    def __init__(self, tools: Sequence[Tool], needing_approval: Collection[str] = ()) -> None:
        self._tools = {tool.name: tool for tool in tools}
        self._needing_approval = frozenset(needing_approval)

    def needs_approval(self, name: str) -> bool:
        """Whether the tool's calls wait for the user's approval before they run."""
        return name in self._needing_approval

    def specs(self) -> list[ToolSpec]:
        return [ToolSpec(t.name, t.description, _schema_of(t.Input)) for t in self._tools.values()]

    def validated(self, name: str, arguments: str) -> tuple[Tool, BaseModel]:
        """The tool and its input; BadToolInput naming what is wrong."""
        tool = self._tools.get(name)
        if tool is None:
            raise BadToolInput(f"there is no tool {name!r} (tools: {', '.join(self._tools) or 'none'})")
        try:
            return tool, tool.Input.model_validate_json(arguments or "{}")
        except ValueError as exc:  # pydantic's ValidationError
            errors = exc.errors()[:5] if hasattr(exc, "errors") else []
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'input'}: {e['msg']}" for e in errors)
            raise BadToolInput(f"invalid input for {name}: {problems or exc}") from None


_schemas: dict[Any, dict[str, Any]] = {}


def _schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """The input's JSON schema, made once per isolate."""
    if model not in _schemas:
        _schemas[model] = model.model_json_schema()
    return _schemas[model]


def parsed_or_raw(arguments: str) -> Any:
    """A tool call's arguments as JSON where they parse (what the client is shown), else the text."""
    try:
        return json.loads(arguments or "{}")
    except ValueError:
        return arguments
