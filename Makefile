# Two commands: `make demo` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
OUT    ?= demo_out

.PHONY: demo test install unit integration browser notebooks bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml | $(PY)
	$(UV) pip install --quiet --python $(PY) -e ".[dev]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/aiuteur demo --idea-file data/ideas/lighthouse.txt --out $(OUT) --workspace $(OUT)/aiuteur.duckdb

test: install
	$(PY) -m pytest -q tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider

unit: install
	$(PY) -m pytest -q tests/unit

integration: install
	$(PY) -m pytest -q tests/integration

browser: install
	$(PY) -m pytest -q tests/browser

notebooks: install
	$(PY) -m pytest -q --nbval-lax --nbval-current-env notebooks

bench: install
	$(PY) benchmarks/run_demo_phases.py

clean:
	rm -rf $(OUT) .pytest_cache
