PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/test.lock

.PHONY: test lint typecheck pytest check-install check-newest demo bench templates wheel lock clean

# The venv installs exactly the versions of the lock file, then the project itself.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r $(LOCK)
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

# The README's test command (CI runs it): lint, format and type checks, the test suite on the
# locked versions, then a user's install (wheel, no extras, clean venv) and the unit tests on the
# newest allowed versions.
test: pytest check-install check-newest

pytest: $(STAMP) lint
	mkdir -p build
	$(BIN)/python -m pytest -q --cov --cov-report=
	@echo "line coverage (udfs, sync, addin, workbook_templates): $$($(BIN)/python -m coverage report --format=total)%"

lint: $(STAMP) typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy checks the packages under their import names (the engine strictly, see pyproject.toml):
# package-dir (setup.py) maps followup.sync to sync/ and so on, so build/mypy/followup/ links each folder
# under its name (mypy_path in pyproject.toml).
typecheck: $(STAMP)
	mkdir -p build/mypy/followup
	for p in udfs:udfs sync:sync addin:addin templates:workbook_templates; do \
		ln -sfn "../../../$${p#*:}" "build/mypy/followup/$${p%%:*}"; done
	$(BIN)/python -m mypy -p followup.udfs -p followup.sync -p followup.addin -p followup.templates

check-install: $(STAMP)
	.ci/check-install $(PY)

check-newest:
	.ci/check-newest $(PY)

# The demo's stores hold a few rows made to be rejected, so `followup demo` exits 1 (rows
# rejected, listed in reports/错误清单.xlsx); anything else is a failure.
demo: $(STAMP)
	$(BIN)/followup demo; rc=$$?; [ $$rc -le 1 ]

bench: $(STAMP)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/sync.py
	$(BIN)/python bench/masking.py
	@echo "Google Sheets request counts (about 7 minutes): $(BIN)/python bench/gsheets.py"

templates: $(STAMP)
	$(BIN)/followup templates --out workbook_templates

wheel: $(STAMP)
	rm -rf dist build/lib   # setuptools would ship stale modules from an earlier build/lib
	$(BIN)/python -m pip wheel -q --no-deps . -w dist
	$(BIN)/python -m twine check --strict dist/*

# Refresh the lock file after changing dependencies in pyproject.toml (or to take upgrades).
lock:
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 --upgrade -o $(LOCK)

clean:
	rm -rf $(VENV) build dist *.egg-info
