# Two commands set everything up on a fresh Debian machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
# Test workers (pytest-xdist): one per core of the machine this was tuned on; JOBS=0 runs
# the tests in this process, one after another.
JOBS ?= 2
STAGE ?= prod

.PHONY: run test test-fast test-money chromium clean-data package deploy bench-package bench audit screenshots samples

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever a requirements file changes.
$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

## Start the whole product locally with demo data: site http://127.0.0.1:$(PORT)/, API under /api/.
run: $(STAMP)
	PORT=$(PORT) $(PY) -m scripts.local.devstack

## Install Debian's Chromium for the browser tests when missing, with its French resources
## (date fields in dd/mm/yyyy for the screenshots); root only, never a browser download.
chromium:
	@if ! command -v chromium >/dev/null 2>&1 || [ ! -e /usr/lib/chromium/locales/fr.pak ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-l10n >/dev/null; \
	  else echo "chromium or chromium-l10n is missing: install Debian's packages 'chromium' and 'chromium-l10n'"; fi; \
	fi

## axe-core for the browser tests' accessibility check, from the npm registry at the version
## package-lock.json pins (node_modules/ is git-ignored; nothing of it is shipped).
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(AXE)

## Run every test.
test: $(STAMP) chromium $(AXE)
	$(PY) -m pytest -n $(JOBS) --dist loadfile

## The model of a commune's money, driven at length (MONEY_EXAMPLES, MONEY_STEPS).
test-money: $(STAMP)
	MONEY_EXAMPLES=$(or $(MONEY_EXAMPLES),300) MONEY_STEPS=$(or $(MONEY_STEPS),40) \
	  $(PY) -m pytest tests/properties/test_money_lifecycle.py -p no:cacheprovider

## The quick loop: domain, services, storage, API and job tests (no browser, fuzzing, load,
## packaging or long property runs; `make test` runs those too).
test-fast: $(STAMP)
	$(PY) -m pytest -n $(JOBS) --dist loadfile -m "not browser" --ignore=tests/site --ignore=tests/fuzz \
	  --ignore=tests/load --ignore=tests/infra --ignore=tests/properties

## Forget the local data (the demo data comes back at the next `make run`).
clean-data:
	rm -rf .local

## Build the Lambda package and the CloudFormation template of STAGE (default prod) in build/chalice/.
package: $(STAMP)
	$(PY) -m scripts.release.package --stage $(STAGE)

## Deploy STAGE to AWS (docs/deploy.md); ADMIN=email opens the first admin account, ARGS passes more options.
deploy: package
	$(PY) -m scripts.release.deploy --stage $(STAGE) $(if $(ADMIN),--create-admin $(ADMIN)) $(ARGS)

## Print the Lambda package's size and the median cold import time of app (fresh processes).
bench-package: package
	$(PY) -m scripts.bench.bench_package --stage $(STAGE)

## Measure everything (requests per action, job runs at 100/1,000/5,000 families, package,
## home page, load, monthly bill), print it and write docs/performance.md. SIZES=100,1000 is quicker.
bench: package chromium
	$(PY) -m scripts.bench.bench $(if $(SIZES),--sizes $(SIZES))

## Photograph every page at phone, tablet and desktop sizes in French (build/screenshots/,
## not committed); docs/visual-review.md says what to check. PAGES=connexion,accueil for some.
screenshots: $(STAMP) chromium
	$(PY) -m scripts.release.screenshots $(if $(PAGES),--pages $(PAGES))

## Write an ORMC PES file (titres de recette) of a demo month to build/samples/, through the
## same code as the console, to open or validate without clicking (no AWS: moto's mock).
samples: $(STAMP)
	$(PY) -m scripts.local.samples

## Audit the pinned requirements and the installed packages against PyPI's vulnerability data.
audit: $(STAMP)
	$(PY) -m scripts.release.audit_deps --installed
