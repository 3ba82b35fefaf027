# Set-up and checks of the course. A new user needs two commands:
#   make lab    create .venv, install everything, enable nbgrader, start JupyterLab on the course
#   make test   the whole test suite (sets up first when needed); .ci/run calls exactly this
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Where the datasets are looked for (and downloaded to); CI points it at the offline copy.
export DLKURS_DATA ?= $(CURDIR)/data
# nbgrader calls tools of the environment (alembic) by name: put it first on PATH.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: lab test install sandbox browser data generate benchmark grade hub-env hub-setup hub-start

lab: install
	cd $(CURDIR) && $(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

test: install sandbox browser data hub-env
	$(BIN)/python -m pytest

install: $(INSTALLED)

$(INSTALLED): requirements.txt pyproject.toml jupyter/overrides.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	for extension in formgrader assignment_list course_list validate_assignment; do \
	    $(BIN)/jupyter server extension enable --sys-prefix nbgrader.server_extensions.$$extension || exit 1; \
	done
	$(BIN)/jupyter labextension enable --level=sys_prefix @jupyter/nbgrader
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $@

# $(call debian_package,COMMAND,PACKAGE): install PACKAGE from Debian when COMMAND is missing (needs root).
# tools/debian_install.sh waits for apt's locks when another apt runs (unattended upgrades).
define debian_package
	@command -v $(1) >/dev/null || { \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then tools/debian_install.sh $(2); \
	    else echo "$(2) fehlt: bitte 'sudo apt-get install $(2)' ausführen" >&2; exit 1; fi; }
endef

# Student code is graded inside bubblewrap.
sandbox:
	$(call debian_package,bwrap,bubblewrap)

# The browser test drives Debian's Chromium (no browser download at run time).
browser:
	$(call debian_package,chromium,chromium)

data: install
	$(BIN)/python -m coursetools.fetch_data

# The environment all users of a JupyterHub share, from /usr/bin/python3 (world-readable, /opt/dlkurs/venv):
# about 6 min when new, seconds when only the course's code changed. tests/test_hub.py uses it; needs root.
HUB_ENV := /opt/dlkurs/venv
hub-env: install
	@if [ "$$(id -u)" = 0 ] && [ -x /usr/bin/python3 ]; then $(BIN)/python -m coursetools.hub env --if-needed \
	    || echo "hub-env: building $(HUB_ENV) failed, the hub test will try again or be skipped"; \
	else echo "hub-env: not root or no /usr/bin/python3, the hub test will be skipped"; fi

# One JupyterHub server for a class (root): make hub-setup ROSTER=roster.csv [HUB_ARGS="--data ..."]; make hub-start
hub-setup: hub-env
	$(BIN)/python -m coursetools.hub setup --roster $(ROSTER) $(HUB_ARGS)

hub-start:
	$(BIN)/python -m coursetools.hub start

generate: install
	$(BIN)/python -m coursetools.generate

# Grade a whole class, e.g.: make grade ARGS="02_regularisieren --from-folder ~/classroom/02"
grade: install sandbox data
	$(BIN)/python -m coursetools.grade $(ARGS)

# The student edition: a new git repository (one commit) without solutions or hidden tests, e.g. a
# GitHub Classroom template: make student-edition OUT=../kurs-studierende [EDITION_ARGS="--assignment 05_lernkurven"]
.PHONY: student-edition
student-edition: install
	$(if $(OUT),,$(error Name the new folder: make student-edition OUT=../kurs-studierende))
	$(BIN)/python -m coursetools.student_edition $(OUT) $(EDITION_ARGS)

# Speed report (about 25 min): pipelines, notebooks, grading, the whole suite; written to benchmarks/REPORT.md
benchmark: install sandbox browser data
	set -e; { echo "# Benchmark report"; echo; echo "Machine: $$(nproc) cores, $$(uname -m), $$(lscpu | sed -n 's/^Model name: *//p'), $$(date -u +%F)"; \
	  echo; echo "## Training pipeline: textbook DataLoader vs preloaded tensors"; echo; \
	  $(BIN)/python benchmarks/pipeline_speed.py; \
	  echo; echo "## Solution notebooks, cold (kernel start included)"; echo; \
	  $(BIN)/python benchmarks/notebook_times.py; \
	  echo; echo "## Grading: sequential nbgrader autograde vs the grading command"; echo; \
	  $(BIN)/python benchmarks/grading_throughput.py; \
	  echo; echo "## The whole test suite"; echo; \
	  $(BIN)/python benchmarks/suite_time.py; } > benchmarks/REPORT.md.tmp
	mv benchmarks/REPORT.md.tmp benchmarks/REPORT.md
