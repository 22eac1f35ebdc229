# One task runner for developers and CI.
.PHONY: install test lint bench bundle mutation faults

install:
	pip install -e ".[dev]"

test:
	python -m pytest

lint:
	ruff check src tests bench scripts
	ruff format --check src tests bench scripts
	mypy

# Every benchmark, one after another, beside its floor; writes the table atop bench/RESULTS.md
# (about 20 minutes; run on a quiet machine). `python bench/run_all.py --quick` for a short check.
bench:
	python bench/run_all.py

# Rebuild the bundled dataset after changing the catalog or the generator.
bundle:
	python -m kostra.bundle.build --shared ../shared/data

# Mutation testing (TESTING.md): slow (about an hour on 2 cores), not part of `make test`.
# Run before resolving an issue that touches analysis/, comparisons.py, sector_analysis.py,
# sources/jsonstat.py or sources/pxweb.py; mutmut reruns only what changed since its last run.
SHARED ?= $(abspath ../shared/data)
mutation:
	pip install --quiet -e ".[dev,mutation]"
	rm -f build/mutation-template.duckdb && mkdir -p build
	python -c "import kostra; kostra.open('build/mutation-template.duckdb').close()"
	KOSTRA_MUTATION=1 KOSTRA_SHARED_DATA=$(SHARED) KOSTRA_TEST_TEMPLATE_STORE=$(CURDIR)/build/mutation-template.duckdb \
		mutmut run --max-children 2
	python scripts/mutation_report.py --write TESTING.md

# Issue 15's seven one-line faults, each applied alone against the README's test command.
faults:
	python scripts/seven_faults.py --tests tests
