# Barnacle: IIIF collections -> Kraken OCR -> one JSONL per manifest.
# `make help` lists every target, and every variable with its value. The targets are the files
# of a run, so make resumes a run and `make -n run ...` shows what it would do:
#
#   runs/<RUN>/collection.json        the snapshot of COLLECTION           make fetch-collection
#   -> runs/<RUN>/manifests.tsv       one line per manifest                make list-manifests
#   -> runs/<RUN>/outputs.mk          its outputs as make targets          (make run)
#   -> runs/<RUN>/ocr/<sha1>.jsonl    one per manifest: built here with    make run EXECUTOR=local
#                                     make -j JOBS, or by SLURM job arrays make run EXECUTOR=slurm
#   -> runs/<RUN>/{alto,page,hocr,text,iiif}/...                           make export
#   -> runs/<RUN>/summary.json, progress.png                               make summary

SHELL := /bin/bash
.DEFAULT_GOAL := help
THIS_MAKEFILE := $(lastword $(MAKEFILE_LIST))

# The defaults Barnacle's commands share (barnacle/defaults.py), as DEFAULT_<NAME> variables,
# and SETTING_VARIABLES: the variables of a run's settings (runs/<RUN>/settings.json).
include build/defaults.mk
build/defaults.mk: barnacle/defaults.py barnacle/setting_names.py barnacle/run_folder/settings.py
	@mkdir -p $(@D)
	@$(PYTHON) -m barnacle.defaults >$@.$$$$ && mv -f $@.$$$$ $@

##@ Variables (override on the command line: make run COLLECTION=... RUN=...)
# Python >= 3.11 used to create the virtual environment
PYTHON ?= python3
# where make setup puts the virtual environment
VENV ?= .venv
# run name: everything goes to runs/<RUN>/
RUN ?= demo
# IIIF collection/manifest URL, or a .json/.txt/.csv file
COLLECTION ?=
# parent folder of all runs
RUNS_DIR ?= $(DEFAULT_RUNS_DIR)
# local: make -j JOBS on this machine; slurm: job arrays (the default where sbatch is installed)
EXECUTOR ?= $(if $(shell command -v sbatch),slurm,local)
# manifests OCRed at once with EXECUTOR=local
JOBS ?= 1
# kraken recognition model: a path or an installed DOI (empty: the demo model)
MODEL ?=
# 1: make run may use the demo model on a collection not served here (it reads only the sample pages)
ALLOW_DEMO_MODEL ?=
# shared cache of manifests and page images
CACHE_DIR ?= $(DEFAULT_CACHE_DIR)
# only the first N pages of each manifest
MAX_PAGES ?=
# IIIF Image API size of the page images
SIZE ?= $(DEFAULT_SIZE)
# cpu, cuda or cuda:N (PAGE_PROCESSES page processes share that GPU)
DEVICE ?= $(DEFAULT_DEVICE)
# kraken precision: 32-true, or bf16-mixed on a GPU
PRECISION ?= $(DEFAULT_PRECISION)
# recognition batch size, lines at once (larger on a GPU)
BATCH_SIZE ?= $(DEFAULT_BATCH_SIZE)
# torch threads per page process
THREADS ?= $(DEFAULT_THREADS)
# page processes per manifest (empty: CPUs/JOBS here, CPUS in SLURM)
PAGE_PROCESSES ?=
# 1: read manifests and images from CACHE_DIR only (after make prefetch)
OFFLINE ?=
# SLURM partition (empty: the cluster's default)
PARTITION ?=
# SLURM --cpus-per-task (one page process per CPU)
CPUS ?=
# SLURM --mem per task with its unit, e.g. 8G (about 2G per page process; a bare 16 is refused)
MEM ?=
# SLURM --time per task, e.g. 04:00:00
TIME ?=
# SLURM --gres, e.g. gpu:1 (then DEVICE=cuda)
GRES ?=
# SLURM array tasks running at once (the %N of --array; 0: no limit)
THROTTLE ?= $(DEFAULT_THROTTLE)
# SLURM --account
ACCOUNT ?=
# more sbatch options, e.g. --qos=low
SBATCH_EXTRA ?=
# 1: print the sbatch commands instead of submitting
DRY_RUN ?=
# image (podman/docker) or .sif (apptainer) the SLURM tasks run in
CONTAINER ?=
# none (host venv), apptainer, singularity, podman or docker
CONTAINER_RUNTIME ?= none
# tag that make image builds
IMAGE ?= localhost/barnacle:latest
# file that make sif builds
SIF ?= build/barnacle.sif
# port of the bundled sample IIIF server (make demo)
SAMPLE_PORT ?= $(DEFAULT_SAMPLE_PORT)
# manifests in make bench-soak (200: about 30 minutes here)
SOAK_MANIFESTS ?= 200
# make export: formats written (alto hocr page text iiif; spaces or commas between them)
FORMATS ?= alto hocr page text iiif
# make export: URL where runs/<RUN>/iiif/ is served (empty: http://127.0.0.1:8183/iiif/)
PUBLISH_URL ?=
# extra arguments for pytest, e.g. -k listing
PYTEST_ARGS ?=

##@ Environment variables (read by barnacle itself, SLURM tasks too: export them, or set them on the make line)
# URL or email put in the User-Agent of every request (servers may block a crawler with none)
BARNACLE_CONTACT ?=
# seconds between two requests to one host (default 0)
BARNACLE_MIN_INTERVAL ?=
# retries on 429/5xx, resets, timeouts, truncated bodies (default 5)
BARNACLE_RETRIES ?=
# seconds before the first retry, doubled on each further one (default 1)
BARNACLE_BACKOFF ?=
# seconds to connect to a server (default 10)
BARNACLE_CONNECT_TIMEOUT ?=
# seconds a server may stay silent while answering (default 60)
BARNACLE_READ_TIMEOUT ?=
# connection failures in a row to one host before its requests fail at once (default 5; 0: off)
BARNACLE_BREAKER_FAILURES ?=
# seconds a host's requests then fail at once before one is let through again (default 60)
BARNACLE_BREAKER_COOLDOWN ?=
# where make model installs models by DOI and every task looks for them (a folder all nodes see)
BARNACLE_MODELS_DIR ?=
# the model of barnacle ocr when no --model is given
BARNACLE_MODEL ?=
# a Mirador bundle for make view other than build/mirador/
BARNACLE_MIRADOR_DIR ?=
# the SLURM cluster's configuration when it is not /etc/slurm/slurm.conf (make slurm-start prints it)
SLURM_CONF ?=

# Settings checked as make reads this Makefile, before anything runs: one line each.
comma := ,
# $(call strip_chars,TEXT,CHARS): TEXT without any of the (space-separated) CHARS
strip_chars = $(if $(2),$(call strip_chars,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
RUN_CHARS := a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X Y Z 0 1 2 3 4 5 6 7 8 9 . _ -
EXPORT_FORMATS = $(subst $(comma), ,$(FORMATS))
$(if $(or $(word 2,$(RUN)),$(call strip_chars,$(RUN),$(RUN_CHARS)),$(filter-out 1,$(words $(RUN)))),$(error RUN='$(RUN)' is not a run name: use one word of letters, digits, '.', '_' and '-' (it names the folder $(RUNS_DIR)/<RUN>), e.g. RUN=my-run))
$(if $(filter-out local slurm,$(EXECUTOR))$(filter-out 1,$(words $(EXECUTOR))),$(error EXECUTOR=$(EXECUTOR) is not known: use EXECUTOR=local (this machine) or EXECUTOR=slurm (job arrays)))
$(if $(filter-out none apptainer singularity podman docker,$(CONTAINER_RUNTIME)),$(error CONTAINER_RUNTIME=$(CONTAINER_RUNTIME) is not known: use none, apptainer, singularity, podman or docker))
$(if $(and $(CONTAINER),$(filter none,$(CONTAINER_RUNTIME))),$(error CONTAINER=$(CONTAINER) needs CONTAINER_RUNTIME=apptainer or singularity (a .sif file), podman or docker (an image)))
$(if $(filter-out alto hocr page text iiif,$(EXPORT_FORMATS)),$(error unknown format '$(firstword $(filter-out alto hocr page text iiif,$(EXPORT_FORMATS)))' in FORMATS='$(FORMATS)': choose from alto hocr page text iiif, e.g. FORMATS=alto$(comma)iiif))
$(foreach v,DRY_RUN OFFLINE,$(if $(filter-out 1,$($(v))),$(error $(v)=$($(v)) is not known: set $(v)=1, or leave it out)))
# A variable on the command line that this Makefile does not know (MEMORY=16G for MEM=16G)
# would be ignored: say so, once (not again in the make that builds the outputs, ocr-outputs;
# not by MAKELEVEL, which is above 0 whenever make runs under another make, make test's too;
# nor when make restarts after remaking build/defaults.mk).
KNOWN_VARIABLES := $(shell sed -n 's/^\([A-Z_]*\) *?=.*/\1/p' $(THIS_MAKEFILE)) APPTAINER BARNACLE_%
ifeq ($(filter ocr-outputs,$(MAKECMDGOALS))$(MAKE_RESTARTS),)
$(foreach v,$(filter-out $(KNOWN_VARIABLES),$(foreach v,$(.VARIABLES),$(if $(filter command line,$(origin $(v))),$(v)))),$(warning $(v)=$($(v)) is not a variable of this Makefile and is ignored (make help lists them)))
endif

export COLLECTION
PY := $(VENV)/bin/python
STAMP := $(VENV)/.barnacle-installed
RUN_DIR := $(RUNS_DIR)/$(RUN)
MANIFESTS := $(RUN_DIR)/manifests.tsv
OUTPUTS_MK := $(RUN_DIR)/outputs.mk

# $(call shq,TEXT): TEXT as one single-quoted shell word
shq = '$(subst ','\'',$(1))'
# $(call option,--NAME,VARIABLE): --NAME='value' when VARIABLE is set, else nothing
option = $(if $($(2)),$(1)=$(call shq,$($(2))))

# The options of barnacle submit-array: the SLURM ones (the tasks read the rest from
# runs/<RUN>/settings.json)
SLURM_OPTIONS = $(strip $(call option,--partition,PARTITION) $(call option,--cpus,CPUS) \
  $(call option,--mem,MEM) $(call option,--time,TIME) $(call option,--gres,GRES) \
  --throttle=$(THROTTLE) $(call option,--account,ACCOUNT) \
  $(call option,--sbatch-extra,SBATCH_EXTRA) $(if $(DRY_RUN),--dry-run))

# The make variables that make run records: the settings (SETTING_VARIABLES, from
# barnacle/run_folder/settings.py) in runs/<RUN>/settings.json, and all of these in
# metadata.json (make_variables)
RECORDED_VARIABLES = COLLECTION EXECUTOR $(SETTING_VARIABLES) PARTITION CPUS MEM TIME GRES \
  THROTTLE ACCOUNT SBATCH_EXTRA

# How page records will name the image the SLURM tasks run in (containers/image-id)
IMAGE_ID = $(if $(CONTAINER),$$(containers/image-id $(call shq,$(CONTAINER_RUNTIME)) $(call shq,$(CONTAINER))))

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
lint: $(STAMP) ## ruff and mypy (Python), shellcheck and shfmt (shell scripts), hadolint
	$(VENV)/bin/ruff check $(PY_SOURCES)
	$(VENV)/bin/ruff format --check $(PY_SOURCES)
	$(VENV)/bin/mypy --strict barnacle
	shellcheck $(SHELL_SOURCES)
	shfmt -d -i 4 $(SHELL_SOURCES)
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

.PHONY: bench-hostile
bench-hostile: $(STAMP) ## hostile-input benchmark: seconds to refuse bad URLs, a silent server, a bomb page; 100,000 canvases
	$(PY) bench/bench_hostile_input.py

.PHONY: bench-worker
bench-worker: $(STAMP) ## worker benchmark: stage times, pages/hour vs kraken CLI and the bare limit
	$(PY) bench/bench_worker.py

##@ Pipeline stages (each also runs by hand: scripts/NAME --help)
.PHONY: fetch-collection
fetch-collection: $(RUN_DIR)/collection.json ## snapshot COLLECTION into runs/<RUN>/collection.json

$(RUN_DIR)/collection.json: | $(STAMP)
	@test -n "$(COLLECTION)" || { echo "Set COLLECTION=<url or file>, e.g. make fetch-collection COLLECTION=data/lists/example.txt RUN=test" >&2; exit 2; }
	$(PY) scripts/fetch-collection "$$COLLECTION" $@

.PHONY: list-manifests
list-manifests: $(MANIFESTS) ## turn the snapshot into runs/<RUN>/manifests.tsv

$(MANIFESTS): $(RUN_DIR)/collection.json
	$(PY) scripts/list-manifests $<

# make reads its makefiles before it builds anything: the outputs of the manifests listed in
# this make are built by a second make (ocr-outputs), which reads them from outputs.mk.
$(OUTPUTS_MK): $(MANIFESTS)
	$(PY) -m barnacle.run.make_targets outputs $(RUN_DIR)

##@ Runs (make run COLLECTION=... RUN=name; then make status / summary / resubmit-failed)
.PHONY: run run-start run-local ocr-outputs run-slurm submit-array resubmit-failed
run: run-$(EXECUTOR) ## fetch COLLECTION, list its manifests, OCR every one not yet done (EXECUTOR)

# make run checks its settings (run-start) before it fetches or OCRs anything.
ifneq ($(filter run run-local run-slurm submit-array,$(MAKECMDGOALS)),)
$(RUN_DIR)/collection.json: | run-start
endif

run-start: | $(STAMP) ## (part of run) refuse another COLLECTION, MODEL or SIZE than the run's; write runs/<RUN>/settings.json, record them in metadata.json
	@test -n "$(COLLECTION)" -o -f $(RUN_DIR)/collection.json || { echo "Set COLLECTION=<url or file>, e.g. make run COLLECTION=data/lapidus/lapidus_lar.csv RUN=lapidus" >&2; exit 2; }
	@test "$(EXECUTOR)" = slurm -o -z "$(CONTAINER)" || { echo "CONTAINER runs through SLURM only: add EXECUTOR=slurm (make slurm-start for a local cluster), or leave CONTAINER unset" >&2; exit 2; }
	image="$(IMAGE_ID)" && $(PY) -m barnacle run-info $(RUN_DIR) --start --image-id="$$image" \
	  $(foreach v,$(RECORDED_VARIABLES),--set=$(v)=$(call shq,$($(v))))

# make -k: one manifest that fails stops no other; the run's end is recorded either way, and
# make run fails when a manifest has no output.
run-local: $(OUTPUTS_MK) ## (part of run) build every missing runs/<RUN>/ocr/<sha1>.jsonl here, JOBS at a time
	-$(MAKE) --no-print-directory -k -j$(JOBS) ocr-outputs EXECUTOR=local
	$(PY) -m barnacle run-info $(RUN_DIR) --end
	@$(PY) -m barnacle.run.make_targets finished $(RUN_DIR)

ifneq ($(and $(filter ocr-outputs,$(MAKECMDGOALS)),$(wildcard $(MANIFESTS))),)
include $(OUTPUTS_MK)
endif
ocr-outputs: $(MANIFEST_SHA1S:%=$(RUN_DIR)/ocr/%.jsonl)

# One missing output: its task, with the run's settings.json. Under SLURM (the make that
# run-slurm starts) the sha1 is only added to the due list, which submit-array submits.
DUE_LIST := $(RUN_DIR)/slurm/due.txt
$(RUN_DIR)/ocr/%.jsonl: | $(STAMP)
ifeq ($(EXECUTOR),slurm)
	@echo $* >>$(DUE_LIST)
else
	$(PY) -m barnacle run-task $(RUN_DIR) $* --no-progress
endif

# make computes the missing outputs (ocr-outputs, as run-local does) into the due list, and
# submit-array submits those not queued or running, as job arrays of barnacle run-task.
run-slurm submit-array resubmit-failed: $(OUTPUTS_MK)
	@mkdir -p $(RUN_DIR)/slurm && rm -f $(DUE_LIST) && touch $(DUE_LIST)
	$(MAKE) --no-print-directory ocr-outputs EXECUTOR=slurm
	$(PY) -m barnacle submit-array $(RUN_DIR) --due=$(DUE_LIST) --skip-queued $(SLURM_OPTIONS)
submit-array: ## (part of run EXECUTOR=slurm) submit to SLURM, as job arrays, each manifest of runs/<RUN> with no finished output that is not queued or running
resubmit-failed: ## after scancel, time limits or errors: submit-array again, so every manifest with no finished output that is not queued or running

.PHONY: status
status: | $(STAMP) ## count manifests: complete / queued or running / partial / failed (no page done) / not started
	@$(PY) -m barnacle status $(RUN_DIR)

.PHONY: summary
summary: | $(STAMP) ## write runs/<RUN>/summary.json and progress.png, print the table (always: SLURM tasks write unseen by make)
	$(PY) scripts/summary $(RUN_DIR)

.PHONY: failed
failed: ## list every page error and manifest error (page "manifest") of runs/<RUN>: URL, page, kind, HTTP status, message
	@cat /dev/null $(wildcard $(RUN_DIR)/ocr/*.errors.jsonl) | jq -r '[.manifest_url, (if .canvas_index < 0 then "manifest" else .canvas_index end), .kind, (.status // "-"), .message] | @tsv'

.PHONY: prefetch prefetch-local
prefetch: prefetch-$(EXECUTOR) ## download every manifest and page image of runs/<RUN> into CACHE_DIR (EXECUTOR=slurm: as job arrays)

prefetch-local: $(MANIFESTS) ## (part of prefetch) download them here
	$(PY) -m barnacle prefetch $(RUN_DIR) --cache-dir=$(call shq,$(CACHE_DIR)) --size=$(call shq,$(SIZE)) $(call option,--max-pages,MAX_PAGES)

##@ Sizing and the image cache (make plan COLLECTION=... RUN=name; make cache-size; make clean-cache RUN=name)
# make plan: per-page figures file (bench/bench_worker.py --figures-out FILE; empty: barnacle/sizing/figures.py)
FIGURES ?=

.PHONY: plan
plan: $(MANIFESTS) ## size runs/<RUN> before it runs: pages, CPU-hours, wall time at THROTTLE x CPUS, MEM and TIME per task, disk (FIGURES)
	$(PY) -m barnacle plan $(RUN_DIR) --cache-dir=$(call shq,$(CACHE_DIR)) --cpus=$(or $(CPUS),1) \
	  --throttle=$(THROTTLE) $(call option,--max-pages,MAX_PAGES) $(call option,--gres,GRES) \
	  $(call option,--model,MODEL) $(call option,--figures,FIGURES) --formats=$(call shq,$(FORMATS))

.PHONY: cache-size clean-cache
cache-size: | $(STAMP) ## files and bytes in CACHE_DIR by kind; with RUN=name given, the page images of that run too
	@$(PY) -m barnacle cache-size --cache-dir=$(call shq,$(CACHE_DIR)) --size=$(call shq,$(SIZE)) \
	  $(if $(filter command line environment,$(origin RUN)),--run=$(call shq,$(RUN_DIR)))

clean-cache: | $(STAMP) ## remove from CACHE_DIR the page images of runs/<RUN>'s finished manifests, never those still needed (DRY_RUN=1: count only)
	$(PY) -m barnacle clean-cache $(call shq,$(RUN_DIR)) --cache-dir=$(call shq,$(CACHE_DIR)) \
	  --size=$(call shq,$(SIZE)) $(if $(DRY_RUN),--dry-run)

# Export and prefetch as SLURM job arrays over the manifests, with make run's SLURM variables
# (PARTITION CPUS MEM TIME ACCOUNT THROTTLE CONTAINER ...), logs in runs/<RUN>/logs/ and the
# same resubmission: a rerun submits only what is due and not queued or running.
.PHONY: export-slurm prefetch-slurm
export-slurm: $(MANIFESTS) ## (part of export) SLURM job arrays: one task per finished manifest with an export missing or older than its JSONL (FORMATS, PUBLISH_URL)
	$(PY) -m barnacle submit-array $(RUN_DIR) --skip-queued --stage=export \
	  --formats=$(call shq,$(FORMATS)) $(call option,--publish-url,PUBLISH_URL) $(SLURM_OPTIONS)

prefetch-slurm: $(MANIFESTS) ## (part of prefetch) SLURM job arrays: one task per manifest without output (on nodes with internet), with the run's settings.json (written here when the run has none yet)
	$(PY) -m barnacle run-info $(RUN_DIR) --settings $(foreach v,$(SETTING_VARIABLES),--set=$(v)=$(call shq,$($(v))))
	$(PY) -m barnacle submit-array $(RUN_DIR) --skip-queued --stage=prefetch $(SLURM_OPTIONS)

##@ Models by DOI (fetched once on a machine with internet; BARNACLE_MODELS_DIR: where)
.PHONY: model models
model: | $(STAMP) ## fetch MODEL=<doi> through htrmopo into BARNACLE_MODELS_DIR (else htrmopo's folder)
	@test -n "$(MODEL)" || { echo "Set MODEL=<doi>, e.g. make model MODEL=10.5281/zenodo.10592716" >&2; exit 2; }
	$(PY) -m barnacle model get $(call shq,$(MODEL))

models: | $(STAMP) ## list the installed models: DOI, name, path, sha256, licence
	@$(PY) -m barnacle model list

##@ Choosing a model (ground truth: README, Choosing a model)
# ground-truth folder for make evaluate
TRUTH ?=
# a second run shown beside RUN by make evaluate, e.g. the same pages with another MODEL
COMPARE ?=
# more barnacle evaluate options: --fold-case --no-punctuation --worst N
EVAL_ARGS ?=

.PHONY: evaluate
evaluate: | $(STAMP) ## CER/WER of runs/<RUN> (and COMPARE) against TRUTH; runs/<RUN>/evaluation.json
	@test -n "$(TRUTH)" || { echo "Set TRUTH=<ground-truth folder>, e.g. make evaluate RUN=mine TRUTH=truth/" >&2; exit 2; }
	$(PY) -m barnacle evaluate $(RUN_DIR) $(if $(COMPARE),$(RUNS_DIR)/$(COMPARE)) --truth=$(call shq,$(TRUTH)) \
	  --json=$(RUN_DIR)/evaluation.json $(EVAL_ARGS)

##@ Improving a model (the quality loop: README, Models)
# make groundtruth: pages of runs/<RUN> chosen to transcribe
PAGES ?= $(DEFAULT_PAGES)
# make groundtruth: seed of the random share of pages
SEED ?= $(DEFAULT_SEED)

.PHONY: groundtruth
groundtruth: | $(STAMP) ## choose PAGES pages of runs/<RUN> to transcribe (lowest confidence + random): runs/<RUN>/groundtruth/
	$(PY) -m barnacle groundtruth $(RUN_DIR) --pages=$(PAGES) --seed=$(SEED) \
	  $(if $(filter command line environment,$(origin CACHE_DIR)),--cache-dir=$(call shq,$(CACHE_DIR)))

# make finetune: the model to start from (a DOI, a path or an installed NAME)
BASE ?=
# make finetune: the name the fine-tuned model is installed under (then MODEL=NAME)
NAME ?=
# more barnacle finetune options: --max-epochs N --lag N --validation-share F --threads N
FINETUNE_ARGS ?=

.PHONY: finetune
finetune: | $(STAMP) ## fine-tune BASE on TRUTH (PAGE/ALTO + images), install it as NAME, compare both on held-out pages (EXECUTOR=slurm: one job)
	@test -n "$(TRUTH)" -a -n "$(BASE)" -a -n "$(NAME)" || { echo "Set TRUTH=<folder> BASE=<DOI, path or name> NAME=<new model>, e.g. make finetune TRUTH=runs/mine/groundtruth BASE=10.5281/zenodo.10592716 NAME=mine-1" >&2; exit 2; }
	$(PY) -m barnacle finetune --truth=$(call shq,$(TRUTH)) --base=$(call shq,$(BASE)) \
	  --name=$(call shq,$(NAME)) --device=$(call shq,$(DEVICE)) --seed=$(SEED) \
	  $(if $(filter slurm,$(EXECUTOR)),--slurm --log-dir=$(call shq,$(RUNS_DIR)/finetune-logs) \
	  $(call option,--partition,PARTITION) $(call option,--cpus,CPUS) $(call option,--mem,MEM) \
	  $(call option,--time,TIME) $(call option,--gres,GRES) $(call option,--account,ACCOUNT) \
	  $(call option,--sbatch-extra,SBATCH_EXTRA) $(if $(DRY_RUN),--dry-run)) $(FINETUNE_ARGS)

.PHONY: bench-finetune
bench-finetune: $(STAMP) ## fine-tuning benchmark: the demo model fine-tuned on 30 pages of a typeface it misreads, CER before and after
	$(PY) bench/bench_finetune.py

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
EXPORT_TARGETS = $(foreach f,$(EXPORT_FORMATS),$(if $(EXPORT_PATH_$(f)),$(patsubst %,$(EXPORT_PATH_$(f)),$(EXPORT_SHA1S)),$(error unknown format '$(f)' in FORMATS: choose from alto hocr page text iiif)))
EXPORT_ARGS = $(if $(PUBLISH_URL),--publish-url=$(call shq,$(PUBLISH_URL))) \
  $(if $(filter command line environment,$(origin CACHE_DIR)),--cache-dir=$(call shq,$(CACHE_DIR)))

.PHONY: export export-local
export: export-$(EXECUTOR) ## write runs/<RUN>/{alto,page,hocr,text,iiif}/ from every finished JSONL (FORMATS, PUBLISH_URL; EXECUTOR=slurm: as job arrays)

export-local: $(EXPORT_TARGETS) ## (part of export) write them here, make -j at a time
	@test -d $(RUN_DIR)/ocr || { echo "$(RUN_DIR)/ocr not found: run make run RUN=$(RUN) first" >&2; exit 2; }
	@echo "exported $(words $(EXPORT_SHA1S)) manifest(s) of $(RUN_DIR) as $(EXPORT_FORMATS)"

# $(call export_rule,FORMAT): the pattern rule of one format's export
define export_rule
$$(EXPORT_PATH_$(1)): $$(RUN_DIR)/ocr/%.jsonl | $$(STAMP)
	$$(PY) -m barnacle export $(1) $$< $$(EXPORT_ARGS)
endef
$(foreach f,alto page hocr text iiif,$(eval $(call export_rule,$(f))))

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
sif: apptainer-check image ## build the Apptainer image SIF from IMAGE (needs apptainer; builds the image first)
	containers/build-sif $(call shq,$(IMAGE)) $(call shq,$(SIF))

.PHONY: apptainer-check
apptainer-check:
	@test -n "$$APPTAINER" || command -v apptainer >/dev/null || { echo "apptainer is not installed here: make sif APPTAINER=containers/apptainer-in-podman (Debian sid's apptainer in podman), or on a machine with apptainer" >&2; exit 2; }

##@ Demo
.PHONY: demo
demo: $(STAMP) ## serve the bundled sample collection, OCR it with the demo model, show the text
	PY=$(PY) RUN=demo RUNS_DIR=$(RUNS_DIR) SAMPLE_PORT=$(SAMPLE_PORT) scripts/demo

.PHONY: serve-sample
serve-sample: $(STAMP) ## serve the sample collection on 127.0.0.1:SAMPLE_PORT until Ctrl-C
	$(PY) scripts/serve-sample --port $(SAMPLE_PORT)

##@ View (make view RUN=name: report, derived IIIF in Mirador, full-text search)
# port of make view
VIEW_PORT ?= $(DEFAULT_VIEW_PORT)
# address make view listens on (0.0.0.0: every interface, with a warning; set VIEW_TOKEN)
HOST ?= $(DEFAULT_HOST)
# access token of make view (empty: none); open the view once as /?token=<VIEW_TOKEN>
VIEW_TOKEN ?=
# URL users open make view at (its ids start with it); empty: http://HOST:VIEW_PORT
VIEW_PUBLIC_URL ?=
# Mirador (npm) that make mirador fetches into build/mirador/
MIRADOR_VERSION ?= 4.0.0
# pages (30 lines each) in make bench-search
BENCH_PAGES ?= 500000

# zsh and tcsh export HOST=<machine name>: only a HOST given to make itself counts.
VIEW_HOST = $(if $(filter environment,$(origin HOST)),$(DEFAULT_HOST),$(HOST))

.PHONY: view
view: export VIEW_TOKEN := $(VIEW_TOKEN)
view: | $(STAMP) ## serve runs/<RUN>: report, worst pages, Mirador viewer, IIIF Content Search
	$(PY) -m barnacle view $(RUN_DIR) --host=$(call shq,$(VIEW_HOST)) --port=$(VIEW_PORT) \
		$(if $(VIEW_PUBLIC_URL),--public-url=$(call shq,$(VIEW_PUBLIC_URL)))

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
# Every variable set with ?= in this Makefile, for make help
HELP_VARIABLES = $(shell sed -n 's/^\([A-Z_]*\) *?=.*/\1/p' $(THIS_MAKEFILE))

# make help reads this Makefile: `##@ title` starts a section, `target: ... ## text` documents a
# target, and the comment lines above `NAME ?= ...` document a variable, shown with its value.
.PHONY: help
help: ## show this help: every target, and every variable with its value here
	@{ $(foreach v,$(HELP_VARIABLES),printf '%s\t%s\n' $(v) $(call shq,$($(v)));) } | awk -F '\t' ' \
	  FNR == NR {value[$$1] = $$2; next} \
	  /^##@/ {printf "\n%s\n", substr($$0, 5); doc = ""; next} \
	  /^[a-zA-Z0-9_-]+:.*## / {split($$0, t, ":"); printf "  make %-18s %s\n", t[1], substr($$0, index($$0, "## ") + 3)} \
	  /^# / {doc = doc (doc == "" ? "" : " ") substr($$0, 3); next} \
	  /^[A-Z_]+ *\?=/ && doc != "" {name = $$0; sub(/ *\?=.*/, "", name); printf "  %-28s %s\n", name "=" value[name], doc} \
	  {doc = ""}' - $(THIS_MAKEFILE)
