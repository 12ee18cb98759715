# Barnacle: IIIF collections -> Kraken OCR -> one JSONL per manifest.
# `make help` lists every target and variable. Targets chain the scripts in scripts/;
# the per-manifest JSONL files are the targets that make builds (and so resumes).

SHELL := /bin/bash
.DEFAULT_GOAL := help

##@ Variables (override on the command line: make run COLLECTION=... RUN=...)
PYTHON     ?= python3#                     Python >= 3.11 used to create the virtual environment
VENV       ?= .venv#                       where `make setup` puts the virtual environment
RUN        ?= demo#                        run name: everything goes to runs/$(RUN)/
COLLECTION ?=#                             IIIF collection/manifest URL, or a .json/.txt/.csv file
RUNS_DIR   ?= runs#                        parent folder of all runs
SAMPLE_PORT ?= 8182#                       port of the bundled sample IIIF server (make demo)
PYTEST_ARGS ?=#                            extra arguments for pytest, e.g. -k listing

export COLLECTION

PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.barnacle-installed
RUN_DIR  := $(RUNS_DIR)/$(RUN)

##@ Set-up and checks
.PHONY: setup
setup: $(STAMP) ## create .venv and install barnacle with its pinned dependencies (idempotent)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[test]'
	@touch $@

.PHONY: test
test: $(STAMP) ## run every test, slow ones included (real OCR, SLURM), as CI does
	$(PY) -m pytest $(PYTEST_ARGS)

.PHONY: test-fast
test-fast: $(STAMP) ## run the fast tests only (skips those marked slow)
	$(PY) -m pytest -m 'not slow' $(PYTEST_ARGS)

PY_SOURCES = barnacle tests bench $(shell grep -l '^\#!.*python' scripts/*)

.PHONY: lint
lint: $(STAMP) ## ruff check and format check of the package, scripts, tests and benchmarks
	$(VENV)/bin/ruff check $(PY_SOURCES)
	$(VENV)/bin/ruff format --check $(PY_SOURCES)

.PHONY: bench
bench: $(STAMP) ## listing benchmark: seconds and manifests/second
	$(PY) bench/bench_listing.py

.PHONY: bench-worker
bench-worker: $(STAMP) ## worker benchmark: stage times, pages/hour vs kraken CLI and the bare limit
	$(PY) bench/bench_worker.py

##@ Pipeline stages (each also runs by hand: scripts/NAME --help)
.PHONY: fetch-collection
fetch-collection: $(RUN_DIR)/collection.json ## snapshot COLLECTION into runs/$(RUN)/collection.json

$(RUN_DIR)/collection.json: | $(STAMP)
	@test -n "$(COLLECTION)" || { echo "Set COLLECTION=<url or file>, e.g. make fetch-collection COLLECTION=data/lists/example.txt RUN=test" >&2; exit 2; }
	$(PY) scripts/fetch-collection "$$COLLECTION" $@

.PHONY: list-manifests
list-manifests: $(RUN_DIR)/manifests.tsv ## turn the snapshot into runs/$(RUN)/manifests.tsv

$(RUN_DIR)/manifests.tsv: $(RUN_DIR)/collection.json
	$(PY) scripts/list-manifests $<

##@ Demo
.PHONY: demo
demo: $(STAMP) ## serve the bundled sample collection, OCR it with the demo model, show the text
	PY=$(PY) RUN_DIR=$(RUNS_DIR)/demo SAMPLE_PORT=$(SAMPLE_PORT) scripts/demo

.PHONY: serve-sample
serve-sample: $(STAMP) ## serve the sample collection on 127.0.0.1:$(SAMPLE_PORT) until Ctrl-C
	$(PY) scripts/serve-sample --port $(SAMPLE_PORT)

##@ Help
.PHONY: help
help: ## show this help: every target and variable, one line each
	@awk 'BEGIN {FS = ":.*## "} \
	  /^##@/ {printf "\n%s\n", substr($$0, 5)} \
	  /^[a-zA-Z0-9_-]+:.*## / {printf "  make %-18s %s\n", $$1, $$2} \
	  /^[A-Z_]+ +\?=/ {split($$0, a, "#"); v = a[1]; sub(/ *\?= */, "=", v); \
	    d = substr($$0, index($$0, "#") + 1); gsub(/^ +/, "", d); printf "  %-28s %s\n", v, d}' \
	  $(MAKEFILE_LIST)
