# The course's commands. `make lab` to read it, `make test` to check all of it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
COURSE := $(VENV)/.course
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
# JupyterLab refuses to start as root (a container, a lab machine) without this flag
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help lab test lint unit nbval e2e book book-test execute student grading teaching stamp bench d2l-check clean

help:
	@echo "make lab      open the course in JupyterLab (creates .venv on first use)"
	@echo "make test     lint, unit tests, strict nbval on every notebook, then make e2e (what CI runs)"
	@echo "make lint     ruff check and ruff format --check, notebooks included"
	@echo "make unit     the tests in tests/ (no nbval); make nbval: strict nbval only"
	@echo "make e2e      run the student edition of every notebook in JupyterLab in headless Chromium"
	@echo "make book     build the course's website into build/book/ (Jupyter Book, no execution)"
	@echo "make book-test  build it, then check every page in headless Chromium (screenshots too)"
	@echo "make execute  re-execute every notebook in place, in order"
	@echo "make student  write the student edition (solutions stubbed, outputs cleared) to student/"
	@echo "make grading  write nbgrader's metadata into the notebooks (tools/grading_metadata.py)"
	@echo "make teaching write TEACHING.md's exercise and time tables from the notebooks"
	@echo "make stamp    write the repository URL of pyproject.toml into the notebooks and README"
	@echo "make bench    time train(), the data loader and every notebook; table in build/bench.md"
	@echo "make d2l-check  run d2l's Adam and Yogi cells with d2l 1.0.3 (own venv) and the course"
	@echo "make clean    remove the venv, caches and build output"

# The environment: JupyterLab, the test tools, and the course itself, installed (not
# editable) as Binder installs it; reinstalled whenever utils/ changes.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@ $(COURSE)

$(COURSE): $(STAMP) optim_course.py $(shell find utils -type f -not -name '*.pyc')
	$(PY) -m pip install --quiet --no-deps --force-reinstall .
	touch $@

lab: $(COURSE)
	$(VENV)/bin/jupyter lab $(ALLOW_ROOT) $(LAB_ARGS) notebooks/

test: lint $(COURSE)
	$(PY) -m pytest -n 2 --dist loadscope $(NBVAL) tests notebooks
	$(MAKE) -j 2 e2e book-test  # the browser tests wait on pages: side by side

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

unit: $(COURSE)
	$(PY) -m pytest -n 2 tests

nbval: $(COURSE)
	$(PY) -m pytest -n 2 --dist loadscope $(NBVAL) notebooks

# The browser test runs the student edition (what a student gets) and compares it with the
# committed notebooks: one run checks JupyterLab, the edition and its checks' FAIL.
# Two runs, one per core, each with its own JupyterLab, share the notebooks.
E2E := bash tests/e2e/run.sh --venv $(VENV) --notebook-dir build/student-e2e --committed-dir notebooks
e2e: $(COURSE)
	rm -rf build/student-e2e
	$(PY) tools/make_student.py --out build/student-e2e > /dev/null
	bash tests/e2e/run.sh --help > /dev/null  # installs Chromium and playwright once
	$(E2E) --shard 1/2 $(E2E_ARGS) > build/e2e-1.log 2>&1 & one=$$!; \
	$(E2E) --shard 2/2 $(E2E_ARGS) > build/e2e-2.log 2>&1; two=$$?; \
	wait $$one; one=$$?; cat build/e2e-1.log build/e2e-2.log; test $$one = 0 -a $$two = 0

# The website: MathJax comes from npm (book/package-lock.json), the rest from the venv.
book/node_modules/.package-lock.json: book/package-lock.json
	cd book && npm ci --no-audit --no-fund --loglevel=error

book: $(STAMP) book/node_modules/.package-lock.json
	$(PY) tools/build_book.py

book-test: book
	bash tests/e2e/run.sh --book

execute: $(COURSE)
	$(PY) tools/execute_notebooks.py $(NOTEBOOKS)

student: $(STAMP)
	$(PY) tools/make_student.py

grading: $(STAMP)
	$(PY) tools/grading_metadata.py

teaching: $(STAMP)
	$(PY) tools/teaching_tables.py

stamp: $(STAMP)
	$(PY) tools/stamp_links.py

bench: $(COURSE)
	$(PY) benchmarks/bench.py

# d2l 1.0.3 pins old packages and needs torchvision: it gets a venv of its own
D2L_VENV := build/d2l-venv
$(D2L_VENV)/.installed:
	$(PYTHON) -m venv $(D2L_VENV)
	$(D2L_VENV)/bin/python -m pip install --quiet torch==2.13.0 d2l==1.0.3
	touch $@

d2l-check: $(COURSE) $(D2L_VENV)/.installed
	$(PY) tools/d2l_check.py --d2l-python $(D2L_VENV)/bin/python

clean:
	rm -rf $(VENV) build student .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +
