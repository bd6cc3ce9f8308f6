"""Text engines through LangChain chat models: OpenAI, Gemini, Anthropic, any OpenAI-compatible server.

Every stage asks for one of its own Pydantic models. The chat model is asked for structured output
(`with_structured_output(schema, include_raw=True)`) so a bad answer comes back as data rather
than an exception; it then gets exactly one more chance with the validation error fed back, because
models usually fix a schema slip when told what it was, and a second failure is a
`StructuredOutputError` with the raw answer attached. SDK retries are off (`max_retries=0`): the
job runner's retry policy is the only one, so a 429 is not retried six times behind its back.

Every call sends a max-tokens limit (`keys.max_output_tokens`), so `estimate` can say the most a
call can bill — both tries, the schema and the feedback included — and the budget gate reserves
that before the call starts: under a cap, no answer can take spend past the budget.
"""
from __future__ import annotations

import json
import os
from typing import Any, Callable

from pydantic import ValidationError

from aiuteur.engines import capabilities
from aiuteur.engines.protocols import M, TextRequest, Usage
from aiuteur.engines.providers import keys
from aiuteur.engines.providers.errors import ProviderError, SafetyBlocked, StructuredOutputError, translate

#: finish/stop reasons that mean the provider refused the content
SAFETY_REASONS = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "IMAGE_SAFETY",
                  "content_filter", "refusal"}

#: tries per call: the first, and one more with the validation error fed back
ATTEMPTS = 2
#: what the feedback quotes, at most (characters of the validation error, of the previous answer)
ERROR_FEEDBACK_CHARS, RAW_FEEDBACK_CHARS = 2000, 4000
#: tokens a provider adds to what we send: chat framing and its own structured-output / tool-use
#: system prompt (Anthropic documents 313-346 tokens for tool use)
PROMPT_OVERHEAD_TOKENS = 500

FEEDBACK = ("Your previous answer did not validate against the required schema.\n"
            "Validation error:\n{error}\n\nYour previous answer was:\n{raw}\n\n"
            "Answer again with the complete corrected result, following the schema exactly.")


class LangChainTextEngine:
    """A `TextEngine` over any LangChain chat model that supports structured output."""

    def __init__(self, engine_id: str, chat_model: Any, *, method: str | None = None) -> None:
        self.id = engine_id
        self.provider = engine_id.partition(":")[0]
        self._chat = chat_model
        self._method = method

    def __repr__(self) -> str:  # never the chat model: its repr is not ours to trust with a key
        return f"{type(self).__name__}({self.id!r})"

    def estimate(self, request: TextRequest, schema: type[M] | None = None) -> Usage:
        """The most this call can bill: every try at the max-tokens limit, each try's input at one
        token per byte of what is sent (tokenizers make no more tokens than bytes) plus the
        provider's overhead, the schema counted twice over (providers rewrite it), and the retry's
        input holding the first answer and the feedback."""
        limit = keys.max_output_tokens()
        schema_bytes = len(json.dumps(schema.model_json_schema()).encode()) if schema is not None else 0
        first = (len(request.system.encode()) + len(request.prompt.encode()) + 2 * schema_bytes
                 + PROMPT_OVERHEAD_TOKENS)
        feedback = len(FEEDBACK.encode()) + 4 * (ERROR_FEEDBACK_CHARS + RAW_FEEDBACK_CHARS)
        retry = first + limit + limit // 10 + feedback  # the first answer is sent back with the feedback
        return Usage(input_tokens=first + (ATTEMPTS - 1) * retry, output_tokens=ATTEMPTS * limit)

    def write(self, request: TextRequest, schema: type[M]) -> tuple[M, Usage]:
        kwargs: dict[str, Any] = {"include_raw": True}
        if self._method:
            kwargs["method"] = self._method
        structured = self._chat.with_structured_output(schema, **kwargs)
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        messages: list[Any] = [SystemMessage(request.system), HumanMessage(request.prompt)]
        usage = Usage()
        config = {"run_name": f"{request.task} ({self.id})", "tags": ["aiuteur", f"task:{request.task}"],
                  "metadata": {"engine": self.id, "task": request.task, "schema": schema.__name__}}
        last_error, raw_text = "", ""
        for attempt in range(1, ATTEMPTS + 1):
            result = self._invoke(structured, messages, config)
            raw = result.get("raw")
            usage = _add(usage, _usage_of(raw))
            _raise_if_blocked(self.id, self.provider, raw, result.get("parsing_error"))
            parsed, last_error = _validated(schema, result.get("parsed"), result.get("parsing_error"))
            if parsed is not None:
                return parsed, usage
            raw_text = _raw_text(raw)
            if attempt < ATTEMPTS:
                messages = messages + [AIMessage(raw_text or "(empty answer)"), HumanMessage(FEEDBACK.format(
                    error=last_error[:ERROR_FEEDBACK_CHARS], raw=raw_text[:RAW_FEEDBACK_CHARS]))]
        raise StructuredOutputError(
            f"{self.id} returned output that does not fit {schema.__name__} twice (the second time after "
            f"being shown the error): {last_error[:800]}", raw=raw_text, provider=self.provider, billed=usage)

    def _invoke(self, runnable: Any, messages: list[Any], config: dict[str, Any]) -> dict[str, Any]:
        try:
            return runnable.invoke(messages, config=config)
        except ProviderError:
            raise
        except Exception as exc:  # SDK errors become typed ones the job runner understands
            unparsed = _unparsed_answer(exc) or _cut_answer(exc)
            if unparsed is not None:  # some SDKs validate the answer themselves: same as a parsing error
                return unparsed
            typed = translate(self.provider, exc)
            if typed is exc:
                raise
            raise typed from exc


def _unparsed_answer(exc: BaseException) -> dict[str, Any] | None:
    """When the SDK itself rejected a well-formed HTTP answer as not fitting the schema (openai's
    `parse` raises pydantic's ValidationError), rebuild the include_raw result from the response."""
    chain, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    validation = next((e for e in chain if isinstance(e, ValidationError)), None)  # not transport garbage
    if validation is None:
        return None
    from langchain_core.messages import AIMessage

    content, usage = "", None
    response = next((getattr(e, "response", None) for e in chain if getattr(e, "response", None) is not None), None)
    try:
        body = response.json() if response is not None else {}
        content = body["choices"][0]["message"].get("content") or ""
        counts = body.get("usage") or {}
        usage = {"input_tokens": int(counts.get("prompt_tokens", 0)), "output_tokens": int(counts.get("completion_tokens", 0)),
                 "total_tokens": int(counts.get("total_tokens", 0))}
    except Exception:
        pass
    raw = AIMessage(content=content, usage_metadata=usage) if usage else AIMessage(content=content)
    return {"raw": raw, "parsed": None, "parsing_error": validation}


def _cut_answer(exc: BaseException) -> dict[str, Any] | None:
    """openai's `parse` refuses an answer cut at the max-tokens limit (`LengthFinishReasonError`):
    the provider wrote and billed it, so it counts as an answer that did not fit the schema, with
    the completion's own usage (else the tokens would be billed by the provider and not by us)."""
    completion = getattr(exc, "completion", None)
    counts = getattr(completion, "usage", None)
    if completion is None or counts is None:
        return None
    from langchain_core.messages import AIMessage

    choices = getattr(completion, "choices", None) or []
    content = (getattr(choices[0].message, "content", None) or "") if choices else ""
    usage = {"input_tokens": int(counts.prompt_tokens or 0), "output_tokens": int(counts.completion_tokens or 0),
             "total_tokens": int(counts.total_tokens or 0)}
    return {"raw": AIMessage(content=content, usage_metadata=usage), "parsed": None,
            "parsing_error": "the answer was cut at the max-tokens limit (AIUTEUR_MAX_OUTPUT_TOKENS) before it was complete"}


def _validated(schema: type[M], parsed: Any, parsing_error: Any) -> tuple[M | None, str]:
    if parsed is not None and parsing_error is None:
        try:
            if isinstance(parsed, schema):
                return schema.model_validate(parsed.model_dump()), ""
            return schema.model_validate(parsed), ""
        except ValidationError as exc:
            return None, str(exc)
    if parsing_error is None:
        return None, "no structured answer in the response"
    return None, str(parsing_error)


def _usage_of(raw: Any) -> Usage:
    meta = getattr(raw, "usage_metadata", None) or {}
    return Usage(input_tokens=int(meta.get("input_tokens", 0) or 0), output_tokens=int(meta.get("output_tokens", 0) or 0))


def _add(a: Usage, b: Usage) -> Usage:
    return Usage(input_tokens=a.input_tokens + b.input_tokens, output_tokens=a.output_tokens + b.output_tokens)


def _raw_text(raw: Any) -> str:
    if raw is None:
        return ""
    calls = getattr(raw, "tool_calls", None) or []
    if calls:
        return json.dumps(calls[0].get("args", {}), ensure_ascii=False)
    content = getattr(raw, "content", "")
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content)


def _raise_if_blocked(engine_id: str, provider: str, raw: Any, parsing_error: Any) -> None:
    if raw is None:
        return
    extra = getattr(raw, "additional_kwargs", {}) or {}
    meta = getattr(raw, "response_metadata", {}) or {}
    refusal = extra.get("refusal") or meta.get("refusal")
    if not refusal and type(parsing_error).__name__ == "OpenAIRefusalError":
        refusal = str(parsing_error)
    reason = meta.get("finish_reason") or meta.get("stop_reason")
    feedback = meta.get("prompt_feedback") or {}
    block = feedback.get("block_reason") if isinstance(feedback, dict) else None
    if refusal or block or (reason and str(reason).split(".")[-1] in SAFETY_REASONS):
        why = str(refusal or block or reason)
        raise SafetyBlocked(f"{engine_id} refused the request: {why}", reason=why, provider=provider)


# -- factories ------------------------------------------------------------------------------

def _openai(model: str) -> LangChainTextEngine:
    from langchain_openai import ChatOpenAI

    engine_id = f"openai:{model}"
    chat = ChatOpenAI(model=model, api_key=keys.api_key("openai", engine_id), base_url=keys.base_url("openai"),
                      max_retries=0, timeout=keys.timeout_seconds(), max_tokens=keys.max_output_tokens())
    return LangChainTextEngine(engine_id, chat)


def _openai_compatible(model: str) -> LangChainTextEngine:
    from langchain_openai import ChatOpenAI

    engine_id = f"openai-compatible:{model}"
    url = keys.base_url("openai-compatible")
    if not url:
        raise ProviderError(f"{engine_id} needs the server's base URL: set AIUTEUR_OPENAI_COMPATIBLE_BASE_URL "
                            "(e.g. http://localhost:11434/v1 for Ollama, http://localhost:8000/v1 for vLLM, "
                            "http://localhost:1234/v1 for LM Studio)", provider="openai-compatible")
    chat = ChatOpenAI(model=model, api_key=keys.optional_key("openai-compatible") or "not-needed", base_url=url,
                      max_retries=0, timeout=keys.timeout_seconds(), max_tokens=keys.max_output_tokens())
    method = os.environ.get("AIUTEUR_OPENAI_COMPATIBLE_METHOD") or "json_schema"
    return LangChainTextEngine(engine_id, chat, method=method)


def _gemini(model: str) -> LangChainTextEngine:
    from langchain_google_genai import ChatGoogleGenerativeAI

    engine_id = f"gemini:{model}"
    options: dict[str, Any] = {}
    if keys.base_url("gemini"):
        options["base_url"] = keys.base_url("gemini")
    chat = ChatGoogleGenerativeAI(model=model, google_api_key=keys.api_key("gemini", engine_id), max_retries=0,
                                  timeout=keys.timeout_seconds(), max_output_tokens=keys.max_output_tokens(), **options)
    return LangChainTextEngine(engine_id, chat, method="json_schema")


def _anthropic(model: str) -> LangChainTextEngine:
    engine_id = f"anthropic:{model}"
    module = keys.require_module("langchain_anthropic", "anthropic", engine_id)
    options: dict[str, Any] = {}
    if keys.base_url("anthropic"):
        options["base_url"] = keys.base_url("anthropic")
    chat = module.ChatAnthropic(model=model, api_key=keys.api_key("anthropic", engine_id), max_retries=0,
                                default_request_timeout=keys.timeout_seconds(),
                                max_tokens=keys.max_output_tokens(), **options)
    return LangChainTextEngine(engine_id, chat)


FACTORIES: dict[str, Callable[[str], LangChainTextEngine]] = {
    "openai": _openai,
    "openai-compatible": _openai_compatible,
    "gemini": _gemini,
    "anthropic": _anthropic,
}


def make(provider: str) -> Callable[[str], LangChainTextEngine]:
    """A registry factory: refuses retired models before building a client."""

    def factory(model: str) -> LangChainTextEngine:
        caps = capabilities.lookup(f"{provider}:{model}")
        if caps is not None and caps.status == "retired":
            capabilities.require(f"{provider}:{model}", "text")
        return FACTORIES[provider](model)

    return factory
