# Two commands on a fresh machine (each installs what it needs into .venv):
#   make demo   crawl the bundled portal mirror into data/warehouse (a DuckLake) and query it
#   make test   run the test suite (installs Debian's postgresql if missing)
# and one for the Prefect UI in a real browser (Debian's chromium; screenshots in data/ui-check/):
#   make ui-check
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: install demo test ui-check clean-data

$(BIN)/provnews: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

install: $(BIN)/provnews

demo: install
	$(BIN)/provnews ingest --mirror
	$(BIN)/provnews sql "SELECT portal, province, province_current, count(*) AS articles, \
	  min(published_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::DATE AS oldest, max(published_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::DATE AS newest FROM articles GROUP BY ALL ORDER BY portal"

# The Postgres-catalog tests start their own throwaway cluster from Debian's postgresql
# (installed if missing; any version: /usr/lib/postgresql/<version>/bin).
test: install
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || (apt-get update && apt-get install -y postgresql)
	$(BIN)/python -m pytest

# Playwright drives the system's chromium (installed from Debian if missing): no browser download.
$(VENV)/.ui-installed: $(BIN)/provnews
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,ui]'
	touch $@

ui-check: $(VENV)/.ui-installed
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium chromium-driver)
	$(BIN)/python tests/ui_check.py

clean-data:
	rm -rf data
