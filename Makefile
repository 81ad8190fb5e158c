# Everything runs from a project-local virtual environment, created on demand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test screenshots clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/jobdeck demo

# The architecture first (seconds): the layers and contracts in pyproject.toml.
test: $(STAMP)
	$(BIN)/lint-imports --no-logo
	$(BIN)/python -m pytest

screenshots: $(STAMP)
	$(BIN)/python -m pytest tests/test_snapshots.py tests/test_snapshots_display.py tests/test_snapshots_history.py tests/test_history_view_snapshots.py tests/test_engine_snapshots_celery.py tests/test_engine_snapshots_airflow.py tests/test_engine_snapshots_slurm.py tests/test_engine_snapshots_ray.py tests/test_views.py tests/test_bulk_snapshots.py --snapshot-update
	$(BIN)/python scripts/screenshots.py

# toolong (the comparison of toolong_open_ratio) pins textual<0.59, so it gets a
# venv of its own in the ignored .bench-cache/ rather than downgrading ours.
TOOLONG := .bench-cache/toolong-venv/bin/tl
$(TOOLONG):
	$(PYTHON) -m venv .bench-cache/toolong-venv
	.bench-cache/toolong-venv/bin/python -m pip install --quiet toolong

# Bytecode first, as a pip install (non-editable) would have it: the start-up figure
# should not count compiling jobdeck's own modules (PYTHONDONTWRITEBYTECODE may be set).
bench: $(STAMP) $(TOOLONG)
	$(BIN)/python -m compileall -q src/jobdeck
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) .pytest_cache snapshot_report.html
