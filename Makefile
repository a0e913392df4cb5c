# Two entry points: `make demo` and `make test`. Both create or refresh .venv first
# (a no-op when pyproject.toml has not changed since the last install).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: venv test docs demo bench browser clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "SRO needs Python 3.11+"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

# pytest exits 5 when it collected no tests; that is not a failure of the build. The docs build is part of
# the test: a broken link, anchor or generated page fails it.
test: venv browser
	$(PY) -m pytest -q -p no:cacheprovider; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; rc=0; fi; \
	  if [ $$rc -ne 0 ]; then exit $$rc; fi
	$(MAKE) --no-print-directory docs

# The documentation site (docs/, mkdocs.yml) into site/; offline, --strict. Pages generated from the code and
# experiments/results/*.json are written by scripts/docs/hooks.py (gitignored).
docs: venv
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

demo: venv
	@bash scripts/demo.sh

# Chromium (apt) for the browser test of the HTML report; Playwright comes with the dev extras.
browser: venv
	PY=$(PY) bash scripts/setup_browser.sh

bench: venv
	for b in experiments/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) demo-workspace site
