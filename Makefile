# Thin targets over build.py, pytest and the benchmarks. `make help` lists them.
# Variables: PY=27|36|37 (one Python version), PROVIDER=tencent|aliyun|jdcloud (one provider's images),
# PYTEST_ARGS (extra pytest arguments), BENCH_ARGS (bench/run.py's options), VENV (default .venv).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        ?= .venv
HOST_PYTHON ?= python3
PYTHON      := $(VENV)/bin/python
ENGINE      := scripts/docker-engine.sh
# Debian's client matches the 20.10 engine; a newer client first on PATH may refuse some commands.
DOCKER      ?= $(shell [ -x /usr/bin/docker ] && echo /usr/bin/docker || echo docker)
PY          ?=
PROVIDER    ?=
PYTEST_ARGS ?=
BENCH_ARGS  ?=
DEMO_PY     ?= 36

FAST_SUITES := $(wildcard tests/bootstrap tests/serve)
BUILD_ARGS  := $(if $(PY),--py $(PY)) $(if $(PROVIDER),--provider $(PROVIDER))
VENV_STAMP  := $(VENV)/.installed

.PHONY: help system-packages venv engine-up engine-down build test-fast test test-all bench demo clean

help: ## list the targets
	@echo "usage: make TARGET [PY=27|36|37] [PROVIDER=tencent|aliyun|jdcloud] [PYTEST_ARGS=...]"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(VENV_STAMP): pyproject.toml
	$(HOST_PYTHON) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(VENV_STAMP) ## create .venv (python3 -m venv) with the dev dependencies of pyproject.toml

system-packages: ## apt-get install what is missing of docker.io, debootstrap, docker-compose, chromium (root)
	bash .ci/system-packages

engine-up: ## start a Docker engine if none answers (installs docker.io when missing)
	$(ENGINE) up

engine-down: ## stop the engine if engine-up started it
	$(ENGINE) down

build: venv ## build the images: all, or PY=36, PROVIDER=aliyun|union (python build.py --help); needs an engine
	$(PYTHON) build.py $(BUILD_ARGS)

test-fast: venv ## the suites that need no Docker: tests/bootstrap and tests/serve on the host interpreters
	@[ -n "$(FAST_SUITES)" ] || { echo "no tests/bootstrap or tests/serve yet" >&2; exit 1; }
	$(PYTHON) -m pytest $(FAST_SUITES) $(PYTEST_ARGS)

test-all: venv ## the whole pytest suite against the images as built (no engine start, no build)
	$(PYTHON) -m pytest $(PYTEST_ARGS)

test: system-packages venv engine-up build ## everything: engine up, build the images (cached layers reused), the whole pytest suite
	$(PYTHON) -m pytest $(PYTEST_ARGS)

bench: venv ## every benchmark: bench/run.py (BENCH_ARGS, e.g. "--only http"), then projects.py, sdk.py, debugging.py, then the page again
	$(PYTHON) bench/run.py $(BENCH_ARGS)
	$(if $(BENCH_ARGS),,$(PYTHON) bench/projects.py)
	$(if $(BENCH_ARGS),,$(PYTHON) bench/sdk.py)
	$(if $(BENCH_ARGS),,$(PYTHON) bench/debugging.py)
	$(if $(BENCH_ARGS),,$(PYTHON) bench/run.py --report-only)

demo: system-packages venv engine-up ## build runtime:py36 only (DEMO_PY=27|37 for another) and run examples/hello in it
	$(PYTHON) build.py --py $(DEMO_PY) --provider union
	$(DOCKER) run --rm -v "$(CURDIR)/examples/hello":/var/task:ro runtime:py$(DEMO_PY) \
		index.main_handler '{"name": "demo"}'
	@echo

clean: ## remove .venv and caches (images stay: docker image rm runtime:py36 ...)
	rm -rf $(VENV) .pytest_cache .hypothesis .cache bench/out *.egg-info bootstrap/*.egg-info
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
