# Shareframe: one command runs the product, one runs every test. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# Python 3.12 is the Lambda runtime: chalice packages for the version that runs it.
PYTHON312 := $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	if $$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1; then echo $$p; break; fi; done)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Three workers on two cores: most end-to-end time is waiting on frames and brokers (18 min vs 20.5 with two).
PYTEST_WORKERS ?= 3

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# --- installation ---------------------------------------------------------------------------

.PHONY: system-deps
system-deps: ## install mosquitto and chromium from Debian when missing
	@missing=""; \
	command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing="$$missing mosquitto"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

# uv installs the same pinned requirements as pip, downloading and byte-compiling in parallel
# (pip took 91 s). Compiled here because a machine may set PYTHONDONTWRITEBYTECODE (this one
# does): then nothing imported is ever cached, and every process the tests start (local
# clouds, frames, CLIs) compiles boto3 and moto again, about 2 s of CPU each. pip stays in the
# venv, pinned: infra.deploy downloads Lambda wheels with it.
UV_VERSION := 0.13.9
$(VENV)/.installed: requirements.txt requirements-dev.txt device_firmware/requirements.txt functions/pyproject.toml
	@[ -n "$(PYTHON312)" ] || { echo "Python 3.12 is required (the Lambda runtime)"; exit 1; }
	[ -x $(PY) ] || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install -q 'uv==$(UV_VERSION)'
	$(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) -r requirements-dev.txt 'pip<26.3'
	touch $@

.PHONY: venv
venv: $(VENV)/.installed ## create the virtualenv with every Python requirement

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The build generates web/src/api/openapi.gen.ts from the API's OpenAPI document first.
web/dist/index.html: web/node_modules/.installed functions/chalicelib/data/openapi.json web/scripts/gen-api.mjs $(shell find web/src web/index.html -type f 2>/dev/null)
	cd web && npm run build --silent

.PHONY: web
web: web/dist/index.html ## build the single-page app

.PHONY: deps
deps: system-deps venv web

# --- the two commands -----------------------------------------------------------------------

.PHONY: run
run: deps ## run the whole product locally (Ctrl-C stops everything)
	$(PY) -m infra.localcloud up

.PHONY: test
test: ## run every test (what CI runs)
	@# Installing Python and web dependencies, building the app and linting are independent
	@# of each other (lint waits for the venv): side by side they take the longest one's time.
	$(MAKE) --no-print-directory -j3 --output-sync=target deps lint
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadgroup --durations=25
	cd web && npm test --silent

.PHONY: lint
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy functions/app.py functions/chalicelib device_firmware infra tests/load

.PHONY: contract
contract: venv ## regenerate the OpenAPI document from the API's models (functions/chalicelib/data/openapi.json)
	cd functions && $(CURDIR)/$(PY) -m chalicelib.api.openapi_gen --write

# --- AWS (docs/deploy.md) -------------------------------------------------------------------

STAGE ?= dev
ARCH ?= arm64

.PHONY: wheelhouse package deploy destroy
wheelhouse: venv ## download Lambda wheels into build/wheelhouse/$(ARCH) (needs PyPI)
	$(PY) -m infra.deploy wheelhouse --arch $(ARCH)

package: venv ## build the template, code zip and layers into build/$(STAGE) [ARCH=arm64|x86_64]
	$(PY) -m infra.deploy package --stage $(STAGE) --arch $(ARCH) --out $(CURDIR)/build/$(STAGE)

deploy: deps ## deploy STAGE=dev|prod to AWS and print the URLs
	$(PY) -m infra.deploy deploy --stage $(STAGE) --out $(CURDIR)/build/$(STAGE) --skip-web-build

destroy: venv ## delete STAGE's stack (PURGE=1 also deletes tables, media, secrets, frames)
	$(PY) -m infra.deploy destroy --stage $(STAGE) $(if $(PURGE),--purge)

# --- frame firmware releases (docs/firmware-updates.md) --------------------------------------

.PHONY: release-key bundle release
release-key: venv ## create the release signing key and print the public key frames must trust
	$(PY) -m infra.release keygen

bundle: venv ## build the frame bundle VERSION=x.y.z into build/firmware
	$(PY) -m infra.release build --version $(VERSION) --out build/firmware

release: venv ## publish VERSION=… NOTES=notes.md CRITICALITY=… [CHANNEL=beta] [PERCENT=N] [GROUP=g]
	@[ -n "$(VERSION)" ] && [ -n "$(NOTES)" ] && [ -n "$(CRITICALITY)" ] || { echo "usage: make release VERSION=1.2.3 NOTES=notes.md CRITICALITY=minor [CHANNEL=beta] [PERCENT=10] [GROUP=testers]"; exit 1; }
	$(PY) -m infra.release publish --version $(VERSION) --notes $(NOTES) --criticality $(CRITICALITY) --channel $(or $(CHANNEL),stable) $(if $(PERCENT),--rollout-percent $(PERCENT)) $(if $(GROUP),--group $(GROUP))

# --- everything else ------------------------------------------------------------------------

.PHONY: mail
mail: venv ## print the e-mails the local cloud has sent
	$(PY) -m infra.localcloud mail

.PHONY: bench
bench: deps ## run the benchmarks and print their figures (docs/quality.md)
	$(PY) tests/bench/run_all.py

.PHONY: scale
scale: deps ## 20,000 due timers of mixed jobs worked off on the local cloud within 5 minutes
	SHAREFRAME_SCALE_TIMERS=$(or $(TIMERS),20000) $(PY) -m pytest -q -s tests/e2e/test_timers_at_scale.py

.PHONY: load
load: system-deps venv ## load test: USERS=10000 FRAMES=2000 MINUTES=10 [COMPRESSION=x | RATE=ops/s] (docs/scale.md)
	$(PY) -m tests.load.run --users $(or $(USERS),10000) --frames $(or $(FRAMES),2000) \
	  --minutes $(or $(MINUTES),10) $(if $(COMPRESSION),--compression $(COMPRESSION)) \
	  $(if $(RATE),--rate $(RATE))

.PHONY: test-hostile
test-hostile: deps ## only the hostile tests (also part of make test)
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadgroup tests/hostile
