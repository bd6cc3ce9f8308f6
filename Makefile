# Two commands: `make demo` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
OUT    ?= demo_out

UV_VERSION := 0.13.9

.PHONY: demo test install lock-check upgrade unit integration browser notebooks bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Installs exactly what uv.lock says; fails if pyproject.toml and the lock disagree.
# --inexact keeps uv itself (installed into the venv above) in place. --compile-bytecode and
# compileall write every module's .pyc once: uv installs none, and where PYTHONDONTWRITEBYTECODE
# is set (containers, CI) every process — each CLI call, the AAF writer's process — would
# otherwise compile its imports again (docs/architecture.md).
$(VENV)/.installed: pyproject.toml uv.lock | $(PY)
	$(UV) sync --quiet --locked --inexact --all-extras --compile-bytecode --python $(PY)
	$(PY) -m compileall -q aiuteur
	touch $@

install: $(VENV)/.installed

# CI runs this first: the lock must match pyproject.toml.
lock-check: | $(PY)
	$(UV) lock --check

# Refresh every pin to today's releases, install them, and run the provider tests against the
# fakes: commit uv.lock only when they pass (docs/upgrading.md).
upgrade: | $(PY)
	$(UV) lock --upgrade
	$(UV) sync --quiet --locked --inexact --all-extras --compile-bytecode --python $(PY)
	touch $(VENV)/.installed
	$(PY) -m pytest -q tests/providers -p no:cacheprovider

demo: install
	$(VENV)/bin/aiuteur demo --idea-file data/ideas/lighthouse.txt --out $(OUT) --workspace $(OUT)/aiuteur.duckdb

# The suite chooses its own engines: a developer's AIUTEUR_*_ENGINE must not switch them.
CLEAN_ENV := env -u AIUTEUR_TEXT_ENGINE -u AIUTEUR_IMAGE_ENGINE -u AIUTEUR_VIDEO_ENGINE

test: lock-check install
	$(CLEAN_ENV) $(PY) -m pytest -q -rfE --durations=25 -n 2 --dist loadfile tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider

unit: install
	$(PY) -m pytest -q tests/unit

integration: install
	$(PY) -m pytest -q tests/integration

browser: install
	$(PY) -m pytest -q tests/browser

notebooks: install
	$(CLEAN_ENV) $(PY) -m pytest -q --nbval-lax --nbval-current-env notebooks

bench: install
	$(PY) benchmarks/run_demo_phases.py

clean:
	rm -rf $(OUT) .pytest_cache
