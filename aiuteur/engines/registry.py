"""One registry finds engines by id (`"provider:model"`), built-in and plug-in alike.

Engines come from *hooks*: a function `register_engines(register)` that calls
`register(kind, provider, factory, local=..., models=..., price=...)` once per (kind, provider) it
serves. Hooks are found through the entry-point group `aiuteur.engines` (importlib.metadata), so a
studio adds an engine by installing a package, never by editing aiuteur. aiuteur's own engines
(offline, and the real providers) are two such hooks, loaded by the same code before any plug-in.

A plug-in that fails to load (import error, a hook that raises, a claim on a provider someone else
already serves) is skipped with an `EnginePluginWarning` naming it; the other engines keep working.
Plug-ins load on the first lookup, not on `import aiuteur`, so a broken one never breaks startup.
"""
from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Callable, Iterable, Mapping, Protocol

from aiuteur.engines.protocols import EngineError, ImageEngine, TextEngine, VideoEngine

Factory = Callable[[str], object]  # model name -> engine
KINDS: tuple[str, ...] = ("text", "image", "video")  # one engine per run each (aiuteur.engines.config)
#: kinds chosen per voice, not per run (aiuteur.sound: each character's voice names its engine)
VOICE_KINDS: tuple[str, ...] = ("speech",)
#: kinds chosen in the project's sound settings (`SoundSettings.music_engine`)
SOUND_KINDS: tuple[str, ...] = ("music",)
ALL_KINDS: tuple[str, ...] = KINDS + VOICE_KINDS + SOUND_KINDS
ENTRY_POINT_GROUP = "aiuteur.engines"
BUILTIN = "aiuteur"  # the source name of aiuteur's own engines
#: the method each kind of engine must have (protocols.py)
METHODS: dict[str, str] = {"text": "write", "image": "image", "video": "video", "speech": "speak", "music": "compose"}
#: the offline engine ids: free, local, deterministic — what runs when nothing else is chosen
OFFLINE: dict[str, str] = {"text": "offline:draft-writer", "image": "offline:storyboard", "video": "offline:animatic"}
#: aiuteur's own hooks, loaded like plug-ins (same EntryPoint objects, same loader), first and eagerly
BUILTIN_HOOKS: tuple[EntryPoint, ...] = (
    EntryPoint("offline", "aiuteur.engines.builtin:register_offline", ENTRY_POINT_GROUP),
    EntryPoint("providers", "aiuteur.engines.providers:register_all", ENTRY_POINT_GROUP),
    EntryPoint("speech", "aiuteur.sound.tts:register_speech", ENTRY_POINT_GROUP),
    EntryPoint("music", "aiuteur.sound.composers:register_music", ENTRY_POINT_GROUP),
)


class UnknownEngine(ValueError):
    """No registered provider serves this id for this kind (or its plug-in could not build it)."""


class EnginePluginWarning(UserWarning):
    """An engine plug-in was skipped; the message names it and says why."""


@dataclass(frozen=True)
class EngineProvider:
    """What a hook declared for one (kind, provider): how to build its engines and how to treat them.

    `local`: runs on this machine, free, no network — called directly like the offline engines,
    never queued as a paid job. `models`: the model names it serves (empty: any name, like
    `openai:<model>`). `price`: a price-table entry (e.g. `{"per_image": 0.01}`) for a paid plug-in
    whose models are not in data/prices.json; a local provider costs nothing.
    """

    kind: str
    provider: str
    factory: Factory = field(repr=False)
    source: str = BUILTIN  # "aiuteur", a plug-in's distribution name, or "runtime" for `register()`
    hook: str = ""  # the "module:function" that registered it
    local: bool = False
    models: tuple[str, ...] = ()
    price: Mapping[str, float] | None = None

    def ids(self) -> list[str]:
        return [f"{self.provider}:{m}" for m in self.models]


@dataclass(frozen=True)
class PluginProblem:
    """A plug-in that was skipped, for `aiuteur engines` to show beside the warning."""

    name: str
    hook: str
    source: str
    reason: str


class Register(Protocol):
    def __call__(self, kind: str, provider: str, factory: Factory, *, local: bool = False,
                 models: Iterable[str] = (), price: Mapping[str, float] | None = None) -> None: ...


_FACTORIES: dict[tuple[str, str], Factory] = {}  # (kind, provider) -> factory: what lookups use
_PROVIDERS: dict[tuple[str, str], EngineProvider] = {}  # (kind, provider) -> what was declared
_PROBLEMS: list[PluginProblem] = []
_HOOKS_RUN: set[tuple[str, str]] = set()  # (entry-point name, value) already loaded
_PLUGINS_SCANNED = False
_LOCK = threading.RLock()


def register(kind: str, provider: str, factory: Factory, *, local: bool = False, models: Iterable[str] = (),
             price: Mapping[str, float] | None = None) -> None:
    """Make `provider:*` ids of `kind` resolvable now (replacing any earlier registration).

    For a script or a test; a package should declare a hook in the `aiuteur.engines` entry-point
    group instead, so every entry point (CLI, notebooks, Panel) finds its engines."""
    _add(_declare(kind, provider, factory, source="runtime", hook="register()", local=local, models=models,
                  price=price))


def _declare(kind: str, provider: str, factory: Factory, *, source: str, hook: str, local: bool,
             models: Iterable[str], price: Mapping[str, float] | None) -> EngineProvider:
    if kind not in ALL_KINDS:
        raise ValueError(f"engine kind {kind!r} is not one of {', '.join(ALL_KINDS)}")
    if not provider or ":" in provider or provider != provider.strip():
        raise ValueError(f"provider name {provider!r} must be non-empty, without ':' or spaces around it")
    if not callable(factory):
        raise ValueError(f"{kind} provider {provider!r}: the factory must be callable (model name -> engine)")
    return EngineProvider(kind=kind, provider=provider, factory=factory, source=source, hook=hook, local=bool(local),
                          models=tuple(models), price=dict(price) if price is not None else None)


def _add(declared: EngineProvider) -> None:
    with _LOCK:
        _FACTORIES[(declared.kind, declared.provider)] = declared.factory
        _PROVIDERS[(declared.kind, declared.provider)] = declared


def _source_of(hook: EntryPoint) -> str:
    dist = getattr(hook, "dist", None)
    return dist.name if dist is not None else hook.name


def _run_hook(hook: EntryPoint, source: str) -> None:
    """Load one hook and keep what it declared — all of it, or nothing if it fails."""
    declared: list[EngineProvider] = []

    def collect(kind: str, provider: str, factory: Factory, *, local: bool = False, models: Iterable[str] = (),
                price: Mapping[str, float] | None = None) -> None:
        declared.append(_declare(kind, provider, factory, source=source, hook=hook.value, local=local,
                                 models=models, price=price))

    hook.load()(collect)
    for new in declared:
        taken = _PROVIDERS.get((new.kind, new.provider))
        if taken is not None and taken.source != new.source:
            raise ValueError(f"{new.kind} provider {new.provider!r} is already served by {taken.source} "
                             f"({taken.hook})")
        if any(p.provider == new.provider and p.local != new.local for p in [*_PROVIDERS.values(), *declared]):
            raise ValueError(f"provider {new.provider!r} must be local for every kind or for none")
    for new in declared:
        _add(new)


def load_plugins(found: Iterable[EntryPoint] | None = None) -> list[PluginProblem]:
    """Run the `aiuteur.engines` hooks not yet run (`found`: these instead of the installed ones).

    Each failure becomes an `EnginePluginWarning` and a `PluginProblem` (also kept for
    `plugin_problems()`); the hooks that load are kept. Returns this call's problems."""
    global _PLUGINS_SCANNED
    with _LOCK:
        scan = found is None
        if found is None:
            found = entry_points(group=ENTRY_POINT_GROUP)
        problems = []
        for hook in found:
            marker = (hook.name, hook.value)
            if marker in _HOOKS_RUN:
                continue
            _HOOKS_RUN.add(marker)
            source = _source_of(hook)
            try:
                _run_hook(hook, source)
            except Exception as exc:  # a plug-in's bug must not take aiuteur down: named and skipped
                problem = PluginProblem(hook.name, hook.value, source, f"{type(exc).__name__}: {exc}")
                problems.append(problem)
                _PROBLEMS.append(problem)
                warnings.warn(f"engine plug-in {hook.name!r} ({hook.value}, from {source}) was skipped: "
                              f"{problem.reason}. Its engines are unavailable; the others work "
                              f"(docs/providers.md, 'Writing an engine plug-in').", EnginePluginWarning, stacklevel=2)
        if scan:  # only now: another thread's lookup waits on the lock instead of missing a plug-in
            _PLUGINS_SCANNED = True
        return problems


def _ensure_plugins() -> None:
    if not _PLUGINS_SCANNED:
        with _LOCK:
            if not _PLUGINS_SCANNED:
                load_plugins()


def plugin_problems() -> list[PluginProblem]:
    """The plug-ins skipped so far in this process, and why."""
    _ensure_plugins()
    return list(_PROBLEMS)


def registered(kind: str | None = None) -> list[EngineProvider]:
    """Every (kind, provider) that resolves, built-in first, then plug-ins, by kind and name."""
    _ensure_plugins()
    with _LOCK:
        found = [p for key, p in _PROVIDERS.items() if _FACTORIES.get(key) is not None and (kind in (None, p.kind))]
    return sorted(found, key=lambda p: (p.source != BUILTIN, ALL_KINDS.index(p.kind), p.provider))


def providers(kind: str) -> list[str]:
    """The providers whose `provider:*` ids resolve for `kind`."""
    _ensure_plugins()
    return sorted(p for k, p in _FACTORIES if k == kind)


def provider_of(kind: str, engine_id: str) -> EngineProvider:
    """The declaration serving `engine_id` for `kind`; `UnknownEngine` names what would resolve."""
    _ensure_plugins()
    provider, _, model = engine_id.strip().partition(":")
    declared = _PROVIDERS.get((kind, provider))
    factory = _FACTORIES.get((kind, provider))
    if factory is None or not model:
        known = ", ".join(f"{p}:*" for p in providers(kind))
        raise UnknownEngine(f"no {kind} engine {engine_id!r}: ids are provider:model with provider one of {known} "
                            f"(see `aiuteur engines`)")
    if declared is None or declared.factory is not factory:  # registered before declarations existed
        declared = EngineProvider(kind=kind, provider=provider, factory=factory, source="runtime")
    if declared.models and model not in declared.models:
        raise UnknownEngine(f"no {kind} engine {engine_id!r}: {provider} ({declared.source}) serves "
                            f"{', '.join(declared.ids())}")
    return declared


def get_engine(kind: str, engine_id: str):
    """Build the engine for `engine_id` (a plug-in's engine is checked: its id and its method)."""
    declared = provider_of(kind, engine_id)
    provider, _, model = engine_id.strip().partition(":")
    if declared.source in (BUILTIN, "runtime"):
        return declared.factory(model)
    try:
        engine = declared.factory(model)
    except (ValueError, EngineError):  # typed and actionable already (a missing key, a bad option)
        raise
    except Exception as exc:
        raise UnknownEngine(f"engine plug-in {declared.source} ({declared.hook}) could not build {kind} engine "
                            f"{engine_id!r}: {type(exc).__name__}: {exc}") from exc
    if getattr(engine, "id", None) != f"{provider}:{model}" or not callable(getattr(engine, METHODS[kind], None)):
        raise UnknownEngine(f"engine plug-in {declared.source} ({declared.hook}) built {engine!r} for {engine_id!r}: "
                            f"a {kind} engine needs id == {engine_id!r} and a {METHODS[kind]}() method")
    return engine


def is_local(engine_id: str) -> bool:
    """True for engines that run here for free (offline, local plug-ins): no job, no budget gate."""
    _ensure_plugins()
    provider = engine_id.partition(":")[0]
    with _LOCK:
        return any(p.local for (_, name), p in _PROVIDERS.items()
                   if name == provider and _FACTORIES.get((p.kind, name)) is p.factory)


def declared_price(engine_id: str) -> dict | None:
    """The price a plug-in declared for its provider ({} for a local one that declared none), else None."""
    _ensure_plugins()
    provider = engine_id.partition(":")[0]
    with _LOCK:
        for (_, name), p in _PROVIDERS.items():
            if name == provider and _FACTORIES.get((p.kind, name)) is p.factory:
                if p.price is not None:
                    return dict(p.price)
                if p.local:
                    return {}
    return None


@dataclass(frozen=True)
class Engines:
    """The engines a run uses, one per kind. To pick them the configured way (flag > environment >
    project settings > offline), use `aiuteur.engines.config.engines_for(store, project)`."""

    text: TextEngine
    image: ImageEngine
    video: VideoEngine

    @classmethod
    def offline(cls) -> "Engines":
        return cls.from_ids()

    @classmethod
    def from_ids(cls, text: str = OFFLINE["text"], image: str = OFFLINE["image"], video: str = OFFLINE["video"]) -> "Engines":
        return cls(get_engine("text", text), get_engine("image", image), get_engine("video", video))

    def ids(self) -> dict[str, str]:
        return {"text": self.text.id, "image": self.image.id, "video": self.video.id}


def _load_builtins() -> None:
    for hook in BUILTIN_HOOKS:  # a failure here is aiuteur's bug: let it raise
        _HOOKS_RUN.add((hook.name, hook.value))
        _run_hook(hook, BUILTIN)


_load_builtins()
