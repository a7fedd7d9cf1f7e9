"""LLM providers behind the `ChatModel` port (`workerbase.ports.chat_models`): OpenAI-compatible
`chat/completions` streams over the HttpClient port. The Workers AI binding's provider lives with the
Workers adapters (`bindings/workers/ai.py`): it needs the JS FFI."""
