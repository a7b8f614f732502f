# Task runner: CI calls these same targets (.ci/run).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
INDEX  ?= .policykb/index
# The CPU build of torch 2.13.0 lies on this project's machines in /opt/wheels;
# without it pip would pull a multi-GB CUDA build.
WHEELS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)

.PHONY: setup run index serve eval eval-stard bench reliability test test-fast lint clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(WHEELS) torch==2.13.0
	$(BIN)/pip install -q $(WHEELS) -e '.[dev]'
	touch $@

## the main job: serve the bundled corpus (its index is built on first run) at http://127.0.0.1:8000/
serve: setup
	$(BIN)/policykb serve

## build or update the bundled corpus's index, then ask it a question from the command line
run: index
	$(BIN)/policykb search "基层干部每年培训不少于多少学时" --index $(INDEX) --k 3

index: setup
	$(BIN)/policykb ingest corpus --index $(INDEX)

## retrieval quality on the seed eval set (tests/data/seed_queries.jsonl), every mode
EVAL_QUERIES ?= tests/data/seed_queries.jsonl
eval: index
	for mode in hybrid dense lexical; do \
	  $(BIN)/policykb eval $(EVAL_QUERIES) --index $(INDEX) --mode $$mode; done

## STARD (plain-words legal questions, docs/quality.md): ingest its 88 laws once into a cached
## index (an unchanged re-ingest does nothing), then every mode with breakdowns and the hybrid misses.
## STARD_SAMPLE=N scores N questions drawn with a fixed seed (CI); empty scores them all.
STARD         ?= ../shared/corpora/stard-laws
STARD_QUERIES ?= ../shared/eval/stard-dev/queries.jsonl
STARD_INDEX   ?= .policykb/stard-index
STARD_MISSES  ?= .policykb/stard-misses.jsonl
STARD_SAMPLE  ?=
eval-stard: setup
	$(BIN)/policykb ingest $(STARD) --index $(STARD_INDEX)
	$(BIN)/policykb eval $(STARD_QUERIES) --index $(STARD_INDEX) --mode all --breakdown \
	  --misses $(STARD_MISSES) $(if $(STARD_SAMPLE),--sample $(STARD_SAMPLE))

## speed, memory and scale figures (docs/performance.md), then the targets judged from them;
## CI runs each benchmark at a tiny size in the tests. ~1.5 h on 2 cores, most of it building the 1M index once.
BENCH_SIZES ?= 10k,100k
BENCH_LARGE ?= 1m
RESULTS     ?= .policykb/bench/results
bench: setup
	$(BIN)/python -m benchmarks.embedding_runtime --out $(RESULTS)/embedding_runtime.json
	$(BIN)/python -m benchmarks.query_latency --sizes $(BENCH_SIZES) --out $(RESULTS)/query_latency.json
	$(BIN)/python -m benchmarks.query_latency --sizes $(BENCH_LARGE) --no-plain --out $(RESULTS)/query_latency_large.json
	$(BIN)/python -m benchmarks.http_load --sizes $(BENCH_SIZES),$(BENCH_LARGE) --out $(RESULTS)/http_load.json
	$(BIN)/python -m benchmarks.memory_disk --sizes $(BENCH_SIZES),$(BENCH_LARGE) --out $(RESULTS)/memory_disk.json
	$(BIN)/python -m benchmarks.index_types --sizes $(BENCH_SIZES),$(BENCH_LARGE) --out $(RESULTS)/index_types.json
	$(BIN)/python -m benchmarks.ingest_speed --size 10k --reingest-size 100k --out $(RESULTS)/ingest_speed.json
	$(BIN)/python -m benchmarks.segmentation --out $(RESULTS)/segmentation.json
	$(BIN)/python -m benchmarks.synonyms_cost --size 100k --out $(RESULTS)/synonyms_cost.json
	$(BIN)/python -m benchmarks.report $(RESULTS)
	$(BIN)/python -m benchmarks.targets $(RESULTS)

## the reliability guarantees at full size (docs/reliability.md): 50 builds SIGKILLed (the switch included),
## 2 and 4 simultaneous ingests, 16 clients through 10 generation switches; CI runs them small
## (tests/test_reliability_suites.py). ~25 min on 2 cores shared with other work. Then the fuzz, API and browser
## suites (docs/reliability.md; CI: tests/test_reliability_{fuzz,api,browser}.py): ~45 min more.
RELIABILITY ?= .policykb/bench/reliability
reliability: setup
	$(BIN)/python -m benchmarks.reliability.crash --n 50 --out $(RELIABILITY)/reliability_crash.json
	$(BIN)/python -m benchmarks.reliability.concurrency --ingests 2,4 --rounds 3 --out $(RELIABILITY)/reliability_concurrency.json
	$(BIN)/python -m benchmarks.reliability.reload_load --clients 16 --seconds 60 --switches 10 \
	  --out $(RELIABILITY)/reliability_reload_load.json
	$(BIN)/python -m benchmarks.reliability.fuzz --cases 10000 --save-failures $(RELIABILITY)/fuzz-failures \
	  --out $(RELIABILITY)/reliability_fuzz.json
	$(BIN)/python -m benchmarks.reliability.api_fuzz --max-examples 100 --out $(RELIABILITY)/reliability_api_fuzz.json
	$(BIN)/python -m benchmarks.reliability.browser_payloads --out $(RELIABILITY)/reliability_browser_payloads.json

test: setup
	$(BIN)/pytest -q -rs --durations=30

test-fast: setup
	$(BIN)/pytest -q -rs -m "not slow"

clean:
	rm -rf $(VENV) .policykb .pytest_cache

## ruff and mypy over the product code (ingest/, index/, service/), with their settings in pyproject.toml:
## CI fails on a finding
lint: setup
	$(BIN)/ruff check text ingest index search service
	$(BIN)/mypy text ingest index search service
