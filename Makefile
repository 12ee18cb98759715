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
EXECUTOR   ?= $(if $(shell command -v sbatch),slurm,local)#  local: make -j JOBS on this machine; slurm: job arrays
JOBS       ?= 1#                           manifests OCRed at once with EXECUTOR=local
MODEL      ?=#                             kraken recognition model: a path or an installed DOI (default: the demo model)
CACHE_DIR  ?= cache#                       shared cache of manifests and page images
MAX_PAGES  ?=#                             only the first N pages of each manifest
SIZE       ?= !3000,3000#                  IIIF Image API size of the page images
DEVICE     ?= cpu#                         cpu, cuda or cuda:N (PAGE_PROCESSES page processes share that GPU)
PRECISION  ?=#                             kraken precision, e.g. bf16-mixed on a GPU (default 32-true)
BATCH_SIZE ?=#                             recognition batch size, lines at once (default 1; larger on a GPU)
THREADS    ?= 1#                           torch threads per page process
PAGE_PROCESSES    ?=#                             page processes per manifest (default: CPUs/JOBS here, CPUS in SLURM)
OFFLINE    ?=#                             1: read manifests and images from CACHE_DIR only (after make prefetch)
PARTITION  ?=#                             SLURM partition (default: the cluster's)
CPUS       ?=#                             SLURM --cpus-per-task (one page process per CPU)
MEM        ?=#                             SLURM --mem per task, e.g. 8G (about 2G per page process)
TIME       ?=#                             SLURM --time per task, e.g. 04:00:00
GRES       ?=#                             SLURM --gres, e.g. gpu:1 (then DEVICE=cuda)
THROTTLE   ?= 20#                          SLURM array tasks running at once (the %N of --array)
ACCOUNT    ?=#                             SLURM --account
SBATCH_EXTRA ?=#                           more sbatch options, e.g. --qos=low
DRY_RUN    ?=#                             1: print the sbatch commands instead of submitting
CONTAINER  ?=#                             image (podman/docker) or .sif (apptainer) the SLURM tasks run in
CONTAINER_RUNTIME ?= none#                 none (host venv), apptainer, singularity, podman or docker
IMAGE      ?= localhost/barnacle:latest#   tag that make image builds
SIF        ?= build/barnacle.sif#          file that make sif builds
SAMPLE_PORT ?= 8182#                       port of the bundled sample IIIF server (make demo)
SOAK_MANIFESTS ?= 200#                     manifests in make bench-soak (200: about 30 minutes here)
FORMATS    ?= alto hocr page text iiif#    make export: formats written (alto hocr page text iiif)
PUBLISH_URL ?=#                            make export: URL where runs/$(RUN)/iiif/ is served (default http://127.0.0.1:8183/iiif/)
PYTEST_ARGS ?=#                            extra arguments for pytest, e.g. -k listing

export COLLECTION
shq = '$(subst ','\'',$(1))'
NPROC    := $(shell nproc 2>/dev/null || echo 1)
MANIFESTS = $(RUN_DIR)/manifests.tsv
OUTPUTS   = $(if $(wildcard $(MANIFESTS)),$(patsubst %,$(RUN_DIR)/ocr/%.jsonl,$(shell tail -n +2 $(MANIFESTS) | cut -f3)))
LOCAL_PAGE_PROCESSES = $(or $(PAGE_PROCESSES),$(shell echo $$(( $(NPROC) / $(JOBS) > 0 ? $(NPROC) / $(JOBS) : 1 ))))
WORKER_ARGS = --cache-dir=$(call shq,$(CACHE_DIR)) --size=$(call shq,$(SIZE)) \
  --device=$(call shq,$(DEVICE)) --threads=$(THREADS) --no-progress \
  $(if $(MODEL),--model=$(call shq,$(MODEL))) $(if $(MAX_PAGES),--max-pages=$(MAX_PAGES)) \
  $(if $(OFFLINE),--offline) $(if $(PRECISION),--precision=$(call shq,$(PRECISION))) \
  $(if $(BATCH_SIZE),--batch-size=$(BATCH_SIZE))
SUBMIT_ARGS = $(WORKER_ARGS:--no-progress=) $(if $(PAGE_PROCESSES),--page-processes=$(PAGE_PROCESSES)) \
  $(if $(PARTITION),--partition=$(call shq,$(PARTITION))) $(if $(CPUS),--cpus=$(CPUS)) \
  $(if $(MEM),--mem=$(call shq,$(MEM))) $(if $(TIME),--time=$(call shq,$(TIME))) \
  $(if $(GRES),--gres=$(call shq,$(GRES))) --throttle=$(THROTTLE) \
  $(if $(ACCOUNT),--account=$(call shq,$(ACCOUNT))) \
  $(if $(SBATCH_EXTRA),--sbatch-extra=$(call shq,$(SBATCH_EXTRA))) $(if $(DRY_RUN),--dry-run) \
  $(if $(CONTAINER),--container=$(call shq,$(CONTAINER))) --container-runtime=$(call shq,$(CONTAINER_RUNTIME))
RUN_VARS = $(foreach v,COLLECTION EXECUTOR JOBS MODEL CACHE_DIR MAX_PAGES SIZE DEVICE THREADS PAGE_PROCESSES OFFLINE PRECISION BATCH_SIZE \
  PARTITION CPUS MEM TIME GRES THROTTLE ACCOUNT SBATCH_EXTRA CONTAINER CONTAINER_RUNTIME,--set=$(v)=$(call shq,$($(v))))

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

SHELL_SOURCES = $(shell grep -l '^\#!.*\(ba\)\?sh' scripts/* slurm/* containers/* .ci/run 2>/dev/null)

.PHONY: lint
lint: $(STAMP) ## ruff (package, scripts, tests, benchmarks), shellcheck (shell scripts), hadolint
	$(VENV)/bin/ruff check $(PY_SOURCES)
	$(VENV)/bin/ruff format --check $(PY_SOURCES)
	shellcheck $(SHELL_SOURCES)
	$(VENV)/bin/hadolint containers/Dockerfile

.PHONY: bench
bench: $(STAMP) ## listing benchmark: seconds and manifests/second
	$(PY) bench/bench_listing.py

.PHONY: bench-runs
bench-runs: $(STAMP) ## run benchmark: status and the cold first-pass summary on 500,000 synthetic records, task overhead
	$(PY) bench/bench_runs.py

.PHONY: bench-soak
bench-soak: $(STAMP) ## soak: SOAK_MANIFESTS tiny manifests through a fault-injecting proxy and SLURM
	$(PY) bench/bench_soak.py --manifests=$(SOAK_MANIFESTS)

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

##@ Runs (make run COLLECTION=... RUN=name; then make status / summary / resubmit-failed)
.PHONY: run
run: | $(STAMP) ## fetch COLLECTION, list its manifests, OCR every one not yet done (EXECUTOR)
	@test -n "$(COLLECTION)" -o -f $(RUN_DIR)/collection.json || { echo "Set COLLECTION=<url or file>, e.g. make run COLLECTION=data/lapidus/lapidus_lar.csv RUN=lapidus" >&2; exit 2; }
	@test "$(EXECUTOR)" = slurm -o -z "$(CONTAINER)" || { echo "CONTAINER runs through SLURM only: add EXECUTOR=slurm (make slurm-start for a local cluster), or leave CONTAINER unset" >&2; exit 2; }
	$(if $(CONTAINER),image=$$(containers/image-id $(call shq,$(CONTAINER_RUNTIME)) $(call shq,$(CONTAINER))) || exit 2; )\
	  $(PY) -m barnacle run-info $(RUN_DIR) --start $(if $(MODEL),--model=$(call shq,$(MODEL))) \
	  $(if $(CONTAINER),--container="$$image") $(RUN_VARS)
	@$(MAKE) --no-print-directory $(MANIFESTS)
	@$(MAKE) --no-print-directory run-$(EXECUTOR)

.PHONY: run-local
run-local: ## (part of run) build every missing runs/$(RUN)/ocr/<sha1>.jsonl here, JOBS at a time
	@$(MAKE) --no-print-directory -k -j$(JOBS) ocr-outputs; status=$$?; \
	  $(PY) -m barnacle run-info $(RUN_DIR) --end; exit $$status

.PHONY: ocr-outputs
ocr-outputs: $(OUTPUTS)

$(RUN_DIR)/ocr/%.jsonl: | $(STAMP)
	$(PY) -m barnacle run-task $(RUN_DIR) $* --page-processes=$(LOCAL_PAGE_PROCESSES) $(WORKER_ARGS)

.PHONY: run-slurm submit-array
run-slurm: submit-array
submit-array: $(MANIFESTS) ## submit the missing manifests of runs/$(RUN) as SLURM job arrays
	$(PY) scripts/submit-array $(RUN_DIR) --skip-queued $(SUBMIT_ARGS)

.PHONY: resubmit-failed
resubmit-failed: $(MANIFESTS) ## resubmit manifests with no output that are not queued or running
	$(PY) scripts/submit-array $(RUN_DIR) --skip-queued $(SUBMIT_ARGS)

.PHONY: status
status: | $(STAMP) ## complete / queued or running / partial / failed / not started counts
	@$(PY) -m barnacle status $(RUN_DIR)

.PHONY: summary
summary: | $(STAMP) ## write runs/$(RUN)/summary.json and progress.png, print the table
	$(PY) scripts/summarize $(RUN_DIR)

.PHONY: failed
failed: ## list the page and manifest errors of runs/$(RUN) (jq over the .errors.jsonl files)
	@cat /dev/null $(wildcard $(RUN_DIR)/ocr/*.errors.jsonl) | jq -r '[.manifest_url, .canvas_index, .kind, (.status // "-"), .message] | @tsv'

.PHONY: prefetch
prefetch: $(MANIFESTS) ## download every manifest and page image of runs/$(RUN) into CACHE_DIR
	$(PY) -m barnacle prefetch $(RUN_DIR) --cache-dir=$(call shq,$(CACHE_DIR)) --size=$(call shq,$(SIZE)) $(if $(MAX_PAGES),--max-pages=$(MAX_PAGES))

##@ Models by DOI (fetched once on a machine with internet; BARNACLE_MODELS_DIR: where)
.PHONY: model models
model: | $(STAMP) ## fetch MODEL=<doi> through htrmopo into BARNACLE_MODELS_DIR (else htrmopo's folder)
	@test -n "$(MODEL)" || { echo "Set MODEL=<doi>, e.g. make model MODEL=10.5281/zenodo.10592716" >&2; exit 2; }
	$(PY) -m barnacle model get $(call shq,$(MODEL))

models: | $(STAMP) ## list the installed models: DOI, name, path, sha256, licence
	@$(PY) -m barnacle model list

##@ Choosing a model (ground truth: README, Choosing a model)
TRUTH   ?=#   ground-truth folder for make evaluate
COMPARE ?=#   a second run shown beside RUN by make evaluate, e.g. the same pages with another MODEL
EVAL_ARGS ?=# more barnacle evaluate options: --fold-case --no-punctuation --worst N

.PHONY: evaluate
evaluate: | $(STAMP) ## CER/WER of runs/$(RUN) (and COMPARE) against TRUTH; runs/$(RUN)/evaluation.json
	@test -n "$(TRUTH)" || { echo "Set TRUTH=<ground-truth folder>, e.g. make evaluate RUN=mine TRUTH=truth/" >&2; exit 2; }
	$(PY) -m barnacle evaluate $(RUN_DIR) $(if $(COMPARE),$(RUNS_DIR)/$(COMPARE)) --truth=$(call shq,$(TRUTH)) \
	  --json=$(RUN_DIR)/evaluation.json $(EVAL_ARGS)

##@ Export (make export RUN=name [FORMATS="alto iiif"] [PUBLISH_URL=https://host/path/iiif/])
# One target per manifest and format, each depending on its finished JSONL (a .jsonl.part is
# not a prerequisite, so an unfinished manifest is not exported): a rerun exports only what
# changed and make -j runs them in parallel. alto/ and page/ hold one file per page, so their
# target is the manifest's folder, touched once every page is written; iiif's is the derived
# manifest, written after its annotation pages.
EXPORT_JSONL = $(filter-out %.errors.jsonl,$(wildcard $(RUN_DIR)/ocr/*.jsonl))
EXPORT_SHA1S = $(patsubst $(RUN_DIR)/ocr/%.jsonl,%,$(EXPORT_JSONL))
EXPORT_PATH_alto = $(RUN_DIR)/alto/%
EXPORT_PATH_page = $(RUN_DIR)/page/%
EXPORT_PATH_hocr = $(RUN_DIR)/hocr/%.html
EXPORT_PATH_text = $(RUN_DIR)/text/%.txt
EXPORT_PATH_iiif = $(RUN_DIR)/iiif/%/manifest.json
EXPORT_TARGETS = $(foreach f,$(FORMATS),$(if $(EXPORT_PATH_$(f)),$(patsubst %,$(EXPORT_PATH_$(f)),$(EXPORT_SHA1S)),$(error unknown format '$(f)' in FORMATS: choose from alto hocr page text iiif)))
EXPORT_ARGS = $(if $(PUBLISH_URL),--publish-url=$(call shq,$(PUBLISH_URL))) \
  $(if $(filter command line environment,$(origin CACHE_DIR)),--cache-dir=$(call shq,$(CACHE_DIR)))

.PHONY: export
export: $(EXPORT_TARGETS) ## write runs/$(RUN)/{alto,page,hocr,text,iiif}/ from every finished JSONL (FORMATS, PUBLISH_URL)
	@test -d $(RUN_DIR)/ocr || { echo "$(RUN_DIR)/ocr not found: run make run RUN=$(RUN) first" >&2; exit 2; }
	@echo "exported $(words $(EXPORT_SHA1S)) manifest(s) of $(RUN_DIR) as $(FORMATS)"

$(RUN_DIR)/alto/%: $(RUN_DIR)/ocr/%.jsonl | $(STAMP)
	$(PY) -m barnacle export alto $< $(EXPORT_ARGS)
$(RUN_DIR)/page/%: $(RUN_DIR)/ocr/%.jsonl | $(STAMP)
	$(PY) -m barnacle export page $< $(EXPORT_ARGS)
$(RUN_DIR)/hocr/%.html: $(RUN_DIR)/ocr/%.jsonl | $(STAMP)
	$(PY) -m barnacle export hocr $< $(EXPORT_ARGS)
$(RUN_DIR)/text/%.txt: $(RUN_DIR)/ocr/%.jsonl | $(STAMP)
	$(PY) -m barnacle export text $< $(EXPORT_ARGS)
$(RUN_DIR)/iiif/%/manifest.json: $(RUN_DIR)/ocr/%.jsonl | $(STAMP)
	$(PY) -m barnacle export iiif $< $(EXPORT_ARGS)

.PHONY: bench-export
bench-export: $(STAMP) ## export benchmark: pages/s of ALTO, hOCR and IIIF on 10,000 synthetic records
	$(PY) bench/bench_export.py

##@ Local SLURM cluster (a real one-node cluster on this machine)
.PHONY: slurm-start slurm-stop
slurm-start: ## start munge, slurmctld and slurmd here (then export the SLURM_CONF it prints)
	slurm/local-cluster start
slurm-stop: ## cancel its jobs and stop the local cluster
	slurm/local-cluster stop

##@ Containers (containers/; CONTAINER=... CONTAINER_RUNTIME=... to run SLURM tasks in one)
.PHONY: image
image: ## build the worker image IMAGE with podman (a Debian base from debootstrap if needed)
	containers/build-image $(call shq,$(IMAGE))

.PHONY: sif
sif: ## build the Apptainer image SIF from IMAGE (needs apptainer; builds the image first)
	@test -n "$$APPTAINER" || command -v apptainer >/dev/null || { echo "apptainer is not installed here: make sif APPTAINER=containers/apptainer-in-podman (Debian sid's apptainer in podman), or on a machine with apptainer" >&2; exit 2; }
	@$(MAKE) --no-print-directory image
	containers/build-sif $(call shq,$(IMAGE)) $(call shq,$(SIF))

##@ Demo
.PHONY: demo
demo: $(STAMP) ## serve the bundled sample collection, OCR it with the demo model, show the text
	PY=$(PY) RUN=demo RUNS_DIR=$(RUNS_DIR) SAMPLE_PORT=$(SAMPLE_PORT) scripts/demo

.PHONY: serve-sample
serve-sample: $(STAMP) ## serve the sample collection on 127.0.0.1:$(SAMPLE_PORT) until Ctrl-C
	$(PY) scripts/serve-sample --port $(SAMPLE_PORT)

##@ View (make view RUN=name: report, derived IIIF in Mirador, full-text search)
VIEW_PORT  ?= 8183#                        port of make view
HOST       ?= 127.0.0.1#                   address make view listens on (0.0.0.0: every interface)
MIRADOR_VERSION ?= 4.0.0#                  Mirador (npm) that make mirador fetches into build/mirador/
BENCH_PAGES ?= 500000#                     pages (30 lines each) in make bench-search

# zsh and tcsh export HOST=<machine name>: only a HOST given to make itself counts.
VIEW_HOST = $(if $(filter environment,$(origin HOST)),127.0.0.1,$(HOST))

.PHONY: view
view: | $(STAMP) ## serve runs/$(RUN): report, worst pages, Mirador viewer, IIIF Content Search
	$(PY) -m barnacle view $(RUN_DIR) --host=$(call shq,$(VIEW_HOST)) --port=$(VIEW_PORT)

.PHONY: mirador
mirador: build/mirador/package/dist/mirador.min.js ## fetch the pinned Mirador bundle (npm pack) into build/mirador/

build/mirador/package/dist/mirador.min.js:
	@command -v npm >/dev/null || { echo "npm is not installed: apt-get install npm, then make mirador" >&2; exit 2; }
	@mkdir -p build/mirador
	cd build/mirador && npm pack --silent mirador@$(MIRADOR_VERSION) >/dev/null && tar xzf mirador-$(MIRADOR_VERSION).tgz
	@test -f $@ && touch $@

.PHONY: bench-search
bench-search: $(STAMP) ## search benchmark: FTS5 index build time, query median/p95 on BENCH_PAGES pages
	$(PY) bench/bench_search.py --pages=$(BENCH_PAGES)

##@ Help
.PHONY: help
help: ## show this help: every target and variable, one line each
	@awk 'BEGIN {FS = ":.*## "} \
	  /^##@/ {printf "\n%s\n", substr($$0, 5)} \
	  /^[a-zA-Z0-9_-]+:.*## / {printf "  make %-18s %s\n", $$1, $$2} \
	  /^[A-Z_]+ +\?=/ {split($$0, a, "#"); v = a[1]; sub(/ *\?= */, "=", v); \
	    d = substr($$0, index($$0, "#") + 1); gsub(/^ +/, "", d); printf "  %-28s %s\n", v, d}' \
	  $(MAKEFILE_LIST)
