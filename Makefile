# Task runner: CI calls these same targets (.ci/run).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
INDEX  ?= .policykb/index
# The CPU build of torch 2.13.0 lies on this project's machines in /opt/wheels;
# without it pip would pull a multi-GB CUDA build.
WHEELS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)

.PHONY: setup run index serve test test-fast lint clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(WHEELS) torch==2.13.0
	$(BIN)/pip install -q $(WHEELS) -e '.[dev]'
	touch $@

## the main job on the bundled corpus: build its index, then ask it a question
run: index
	$(BIN)/policykb search "基层干部每年培训不少于多少学时" --index $(INDEX) --k 3

index: setup
	$(BIN)/policykb ingest corpus --index $(INDEX)

test: setup
	$(BIN)/pytest -q

test-fast: setup
	$(BIN)/pytest -q -m "not slow"

clean:
	rm -rf $(VENV) .policykb .pytest_cache
