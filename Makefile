# One task runner for developers and CI.
.PHONY: install test lint bench bundle

install:
	pip install -e ".[dev]"

test:
	python -m pytest

lint:
	ruff check src tests bench scripts
	ruff format --check src tests bench scripts
	mypy

bench:
	python bench/bench_profiles.py
	python bench/bench_jsonstat.py

# Rebuild the bundled dataset after changing the catalog or the generator.
bundle:
	python -m kostra.bundle.build --shared ../shared/data
