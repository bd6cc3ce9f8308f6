"""Engine plug-ins made on the fly for tests: a folder that, on `sys.path` or `PYTHONPATH`, holds a
module and the `*.dist-info` that declares its `aiuteur.engines` entry point — exactly what
`pip install` leaves behind, so a new process finds it through importlib.metadata."""
from __future__ import annotations

import os
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from aiuteur.engines import registry

#: a paid (not local) image engine with its own price: its calls are jobs that pass the budget gate
PAID_STAMP = '''
import io

from PIL import Image

from aiuteur.engines.protocols import MediaResult, Usage


class Stamp:
    def __init__(self, model):
        self.id = f"paidstamp:{model}"

    def image(self, request):
        buffer = io.BytesIO()
        Image.new("RGB", (request.width, request.height), (0, 0, 255)).save(buffer, format="PNG")
        return MediaResult(data=buffer.getvalue(), mime="image/png", usage=Usage(images=1),
                           width=request.width, height=request.height)


def register_engines(register):
    register("image", "paidstamp", Stamp, models=["blue"], price={"per_image": 0.002})
'''

#: a plug-in whose module cannot be imported (a missing native library, say)
BROKEN = 'raise ImportError("needs libstoryboard.so, which is not installed")\n'


def write_plugin(site: Path, dist: str, module: str, source: str, *, hook: str = "register_engines",
                 name: str | None = None) -> Path:
    """Install `source` as `module` in `site`, declared by distribution `dist` (returns `site`)."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(source, encoding="utf-8")
    info = site / f"{dist.replace('-', '_')}-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[aiuteur.engines]\n{name or module} = {module}:{hook}\n",
                                           encoding="utf-8")
    return site


def with_path(site: Path) -> str:
    """A PYTHONPATH for a child process that also sees `site` (keeping any PYTHONPATH already set)."""
    return os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)


def hook(name: str, module: str, function: str = "register_engines") -> EntryPoint:
    """An `aiuteur.engines` entry point, as `registry.load_plugins` takes it."""
    return EntryPoint(name, f"{module}:{function}", registry.ENTRY_POINT_GROUP)


@pytest.fixture
def isolated_registry():
    """Whatever a test loads into the engine registry is gone afterwards."""
    saved = (dict(registry._FACTORIES), dict(registry._PROVIDERS), list(registry._PROBLEMS), set(registry._HOOKS_RUN))
    yield registry
    registry._FACTORIES.clear()
    registry._FACTORIES.update(saved[0])
    registry._PROVIDERS.clear()
    registry._PROVIDERS.update(saved[1])
    registry._PROBLEMS[:] = saved[2]
    registry._HOOKS_RUN.clear()
    registry._HOOKS_RUN.update(saved[3])
