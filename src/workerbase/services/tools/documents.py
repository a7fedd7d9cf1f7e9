"""The ai-chatbot's artifact tools: create and update a document and request suggestions on it, through
the documents service (each write is a new version, as `POST /v1/documents` makes). The content is
written by the reply's model and streamed to the client as the ai-chatbot's transient `data-*` parts
(`data-kind`, `data-id`, `data-title`, `data-clear`, `data-textDelta`/`data-codeDelta`/`data-sheetDelta`,
`data-suggestion`, `data-finish`), which its artifact panel renders as they come."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from workerbase.ports import ModelMessage, TextDelta
from workerbase.services.documents import DocumentNotFound, DocumentService
from workerbase.services.tools import ToolContext, ToolError

DocumentKind = Literal["text", "code", "sheet"]
MAX_SUGGESTIONS = 5

_WRITERS: dict[str, str] = {
    "text": "Write about the given topic. Markdown is supported; use headings wherever appropriate.",
    "code": "You write a complete, runnable code snippet for what is asked, with short comments and no"
    " prose around it.",
    "sheet": "You create a spreadsheet in CSV format for what is asked: a header row, then meaningful data.",
}
_DELTAS: dict[str, str] = {"text": "data-textDelta", "code": "data-codeDelta", "sheet": "data-sheetDelta"}


def _transient(context: ToolContext, kind: str, data: Any) -> None:
    context.emit({"type": kind, "data": data, "transient": True})


async def _write(context: ToolContext, kind: str, instructions: str, request: str) -> str:
    """The model writes the content, streamed to the client as it comes."""
    content = ""
    messages = [ModelMessage("system", instructions), ModelMessage("user", request)]
    async for event in context.model.reply(context.model_name, messages):
        if isinstance(event, TextDelta):
            content += event.text
            _transient(context, _DELTAS.get(kind, "data-textDelta"), event.text)
    return content


class CreateDocumentInput(BaseModel):
    title: str = Field(min_length=1, max_length=200, description="The document's title.")
    kind: DocumentKind = Field(description="text (prose, Markdown), code, or sheet (CSV).")


class CreateDocument:
    name: ClassVar[str] = "createDocument"
    description: ClassVar[str] = (
        "Create a document (an artifact shown next to the chat) for writing or content creation: essays,"
        " code, spreadsheets. Its content is written from the title."
    )
    Input: ClassVar[type[BaseModel]] = CreateDocumentInput

    def __init__(self, documents: DocumentService) -> None:
        self._documents = documents

    async def run(self, arguments: CreateDocumentInput, context: ToolContext) -> dict[str, Any]:
        draft = await self._documents.add_version(context.user_id, None, arguments.kind, arguments.title, "")
        _transient(context, "data-kind", arguments.kind)
        _transient(context, "data-id", draft.id)
        _transient(context, "data-title", arguments.title)
        _transient(context, "data-clear", None)
        content = await _write(context, arguments.kind, _WRITERS[arguments.kind], arguments.title)
        await self._documents.add_version(context.user_id, draft.id, arguments.kind, arguments.title, content)
        _transient(context, "data-finish", None)
        return {
            "id": draft.id,
            "title": arguments.title,
            "kind": arguments.kind,
            "content": "A document was created and is now visible to the user.",
        }


class UpdateDocumentInput(BaseModel):
    id: str = Field(min_length=1, max_length=128, description="The document's id.")
    description: str = Field(min_length=1, max_length=2000, description="The changes to make.")


class UpdateDocument:
    name: ClassVar[str] = "updateDocument"
    description: ClassVar[str] = "Update a document with the given description of the changes."
    Input: ClassVar[type[BaseModel]] = UpdateDocumentInput

    def __init__(self, documents: DocumentService) -> None:
        self._documents = documents

    async def run(self, arguments: UpdateDocumentInput, context: ToolContext) -> dict[str, Any]:
        document = await _owned(self._documents, context.user_id, arguments.id)
        _transient(context, "data-clear", None)
        instructions = (
            f"{_WRITERS.get(document.kind, _WRITERS['text'])} Improve the following content as asked and"
            f" answer with the whole new content only.\n\n{document.content or ''}"
        )
        content = await _write(context, document.kind, instructions, arguments.description)
        await self._documents.add_version(
            context.user_id, document.id, document.kind, document.title, content
        )
        _transient(context, "data-finish", None)
        return {
            "id": document.id,
            "title": document.title,
            "kind": document.kind,
            "content": "The document has been updated successfully.",
        }


class RequestSuggestionsInput(BaseModel):
    # camelCase: the ai-chatbot's names, which its frontend and the model are used to.
    documentId: str = Field(min_length=1, max_length=128, description="The document to suggest edits on.")


class _Suggestion(BaseModel):
    originalSentence: str = Field(min_length=1)
    suggestedSentence: str = Field(min_length=1)
    description: str = ""


_SUGGESTIONS = TypeAdapter(list[_Suggestion])


class RequestSuggestions:
    name: ClassVar[str] = "requestSuggestions"
    description: ClassVar[str] = "Request suggestions for a document: edits the user can accept one by one."
    Input: ClassVar[type[BaseModel]] = RequestSuggestionsInput

    def __init__(self, documents: DocumentService) -> None:
        self._documents = documents

    async def run(self, arguments: RequestSuggestionsInput, context: ToolContext) -> dict[str, Any]:
        document = await _owned(self._documents, context.user_id, arguments.documentId)
        instructions = (
            f"You are a writing assistant. Suggest at most {MAX_SUGGESTIONS} improvements to the user's"
            " text. Answer with a JSON array only, each item"
            ' {"originalSentence": "...", "suggestedSentence": "...", "description": "..."}, where'
            " originalSentence is copied exactly from the text."
        )
        answer = ""
        messages = [ModelMessage("system", instructions), ModelMessage("user", document.content or "")]
        async for event in context.model.reply(context.model_name, messages):
            if isinstance(event, TextDelta):
                answer += event.text
        for suggestion in _suggestions_in(answer)[:MAX_SUGGESTIONS]:
            stored = await self._documents.suggest(
                context.user_id,
                document.id,
                document.version,
                suggestion.originalSentence,
                suggestion.suggestedSentence,
                suggestion.description or None,
            )
            _transient(
                context,
                "data-suggestion",
                {
                    "id": stored.id,
                    "documentId": document.id,
                    "originalText": stored.original_text,
                    "suggestedText": stored.suggested_text,
                    "description": stored.description,
                    "isResolved": False,
                },
            )
        return {
            "id": document.id,
            "title": document.title,
            "kind": document.kind,
            "message": "Suggestions have been added to the document",
        }


def _suggestions_in(answer: str) -> list[_Suggestion]:
    """The JSON array in the model's answer (which may wrap it in prose or a code fence)."""
    start, end = answer.find("["), answer.rfind("]")
    try:
        return _SUGGESTIONS.validate_json(answer[start : end + 1]) if 0 <= start < end else []
    except ValidationError:
        raise ToolError("the model's suggestions were not in the expected form") from None


async def _owned(documents: DocumentService, user_id: str, doc_id: str) -> Any:
    try:
        return await documents.get(user_id, doc_id, None)
    except DocumentNotFound:
        raise ToolError(f"there is no document {doc_id!r}") from None
