# preflight — every target creates .venv and installs what it needs first.
# `make demo` and `make test` work on a fresh machine with Python 3.11 and this repo.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
EXTRAS := torch,fiftyone,dask,dev

.PHONY: help install demo test test-fast lint docs bench bench-scale fuzz reports wheel-smoke new-check clean browser

help:
	@echo "make demo         install, then audit the demo dataset + model (writes reports/demo.html)"
	@echo "make test         install, then run the test suite"
	@echo "make bench        benchmarks (results in reports/bench/)"
	@echo "make bench-scale  10^4, 10^5, 10^6-image scans: time and memory (reports/bench/scale.md)"
	@echo "make fuzz         the long fuzzing campaign (hypothesis + atheris over every reader)"
	@echo "make reports      re-audit the public datasets in ../shared/data into reports/"
	@echo "make lint         ruff + mypy"
	@echo "make docs         regenerate the check table in README.md"
	@echo "make wheel-smoke  build the wheel, install it in a fresh venv, run it from another folder"
	@echo "make new-check CODE=D142 NAME=short-name   scaffold a new check and its cases"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

# headless Chromium renders the HTML report in the browser tests (Debian's package)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "note: chromium could not be installed; browser tests will be skipped"; \
	  else echo "note: no chromium; browser tests will be skipped"; fi; }

install: $(STAMP) browser

demo: $(STAMP)
	@mkdir -p reports
	$(VENV)/bin/preflight check demo/data.yaml demo/model.yaml --html reports/demo.html --no-cache; \
	  rc=$$?; if [ $$rc -ge 2 ]; then exit $$rc; fi; \
	  echo ""; echo "report: reports/demo.html (exit code $$rc: the demo dataset has planted defects)"

# pytest exits 5 when it collected no test: that is our failure, never a pass
test: install
	@rc=0; $(PY) -m pytest -q $(PYTEST_ARGS) || rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; exit $$rc

test-fast: $(STAMP)
	@rc=0; $(PY) -m pytest -q -m "not slow and not browser" $(PYTEST_ARGS) || rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(VENV)/bin/ruff check preflight checks tests bench
	$(VENV)/bin/mypy preflight bench

docs: $(STAMP)
	$(PY) scripts/update_readme.py

# each benchmark writes its numbers under reports/bench/; `make bench` runs them all and
# fails at the end if any of them failed or (bench_data, bench_model) missed its target
bench: $(STAMP)
	@mkdir -p reports/bench
	@rc=0; \
	$(PY) bench/bench_data.py || rc=1; \
	$(PY) bench/bench_masks.py || rc=1; \
	$(PY) bench/bench_model.py > reports/bench/model.json || rc=1; cat reports/bench/model.json; \
	$(PY) bench/bench_probe.py --threads 2 > reports/bench/probe.json || rc=1; cat reports/bench/probe.json; \
	if $(PY) -c "import sys, torch; sys.exit(not torch.cuda.is_available())" 2>/dev/null; then \
	  $(PY) bench/bench_probe.py --device cuda > reports/bench/probe_cuda.json || rc=1; cat reports/bench/probe_cuda.json; fi; \
	exit $$rc

bench-scale: $(STAMP)
	@mkdir -p reports/bench
	$(PY) bench/bench_scale.py

# the short fuzz run is part of `make test`; this is the long one (crashes land in build/fuzz-crashes/).
# -rss_limit_mb: a 420 s run over the mask reader peaked at 421 MB (reports/fuzz.md), so 1 GB
# flags an input that needs more than twice that
fuzz: $(STAMP)
	$(PIP) install --quiet atheris
	mkdir -p build/fuzz-crashes
	FUZZ_EXAMPLES=20000 $(PY) -m pytest -q -p no:cacheprovider tests/fuzz
	$(PY) -m tests.fuzz.atheris_readers -max_total_time=3600 -rss_limit_mb=1024 -artifact_prefix=build/fuzz-crashes/

reports: $(STAMP)
	$(PY) scripts/make_reports.py

wheel-smoke: $(STAMP)
	rm -rf build/wheel-smoke && mkdir -p build/wheel-smoke
	$(PIP) wheel --quiet --no-deps -w build/wheel-smoke .
	$(PYTHON) -m venv --system-site-packages build/wheel-smoke/venv
	build/wheel-smoke/venv/bin/pip install --quiet --no-deps build/wheel-smoke/*.whl
	cd /tmp && $(CURDIR)/build/wheel-smoke/venv/bin/preflight checks | grep -q D103 && echo "wheel finds its checks"

new-check: $(STAMP)
	$(PY) scripts/new_check.py $(CODE) $(NAME)

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache
