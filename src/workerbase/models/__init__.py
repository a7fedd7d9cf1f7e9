"""Chat model providers behind the `ChatModel` port, and their failures."""

from __future__ import annotations

from workerbase.errors import WorkerbaseError


class ModelFailed(WorkerbaseError):
    """The provider refused, broke off or sent something we cannot read. Its message is shown to users
    (as the stream's `error` chunk), so it never carries secrets: no keys, no request bodies."""

    status = 502
    code = "model_failed"
    title = "The model provider failed"
    public_detail = True


class ModelTimeout(ModelFailed):
    code = "model_timeout"
    title = "The model provider did not answer in time"
