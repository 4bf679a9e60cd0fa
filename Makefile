# The course's commands. `make lab` to read it, `make test` to check all of it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

.PHONY: help lab test unit nbval e2e execute student bench clean

help:
	@echo "make lab      open the course in JupyterLab (creates .venv on first use)"
	@echo "make test     unit tests, strict nbval on every notebook, then make e2e (what CI runs)"
	@echo "make unit     the unit tests only; make nbval: strict nbval only"
	@echo "make e2e      run every notebook in JupyterLab in headless Chromium, check it, screenshot it"
	@echo "make execute  re-execute every notebook in place, in order"
	@echo "make student  write the student edition (solutions stubbed, outputs cleared) to student/"
	@echo "make bench    time train(), the data loader and every notebook; table in build/bench.md"
	@echo "make clean    remove the venv, caches and build output"

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -r requirements.txt -e .
	touch $@

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadscope $(NBVAL) tests notebooks
	$(MAKE) e2e

unit: $(STAMP)
	$(PY) -m pytest -n 2 tests

nbval: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadscope $(NBVAL) notebooks

e2e: $(STAMP)
	bash tests/e2e/run.sh --venv $(VENV) $(E2E_ARGS)

execute: $(STAMP)
	$(PY) tools/execute_notebooks.py $(NOTEBOOKS)

student: $(STAMP)
	$(PY) tools/make_student.py

bench: $(STAMP)
	$(PY) benchmarks/bench.py

clean:
	rm -rf $(VENV) build student .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +
