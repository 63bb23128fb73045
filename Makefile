PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo bench templates wheel clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m mypy udfs
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/followup demo

bench: $(STAMP)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/sync.py
	@echo "Google Sheets request counts (about 7 minutes): $(BIN)/python bench/gsheets.py"

templates: $(STAMP)
	$(BIN)/followup templates --out workbook_templates

wheel: $(STAMP)
	rm -rf dist
	$(BIN)/python -m pip wheel -q --no-deps . -w dist
	$(BIN)/python -m twine check --strict dist/*

clean:
	rm -rf $(VENV) build dist *.egg-info
