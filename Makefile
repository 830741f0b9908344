# Two set-up commands on a fresh Debian machine with Python 3.11: `make demo` and `make test`.
# Each creates or updates the local virtualenv (.venv) as needed.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo demo-grafana test test-unit test-integration test-instants proto docs dashboards bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) deploy/demo.py

# The demo plus VictoriaMetrics and InfluxDB 1.6 (when installed) fed by the collector, for a Grafana to point at.
demo-grafana: $(STAMP)
	$(PY) deploy/demo.py --grafana

# The date-sensitive tests under faketime at awkward instants (year end in Shanghai, a leap day, the Spring
# Festival, a month's last day): tests must not depend on today's date. Then the whole suite, whose
# pytest summary is the last line.
test: $(STAMP)
	$(PY) tests/run_at_instants.py
	$(PY) -m pytest -q

test-instants: $(STAMP)
	$(PY) tests/run_at_instants.py

test-unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

test-integration: $(STAMP)
	$(PY) -m pytest -q tests/integration

# Regenerate the committed gRPC code from proto/itops/v1/*.proto (a test fails when it is stale).
proto: $(STAMP)
	cd proto && ../$(PY) -m grpc_tools.protoc -I. --python_out=. --pyi_out=. --grpc_python_out=. itops/v1/*.proto

# Regenerate docs/configuration.md from the config models and docs/metrics.md from the metric registry (a test
# fails when either is stale).
docs: $(STAMP)
	$(PY) docs/generate_config_reference.py > docs/configuration.md
	$(PY) docs/generate_metrics_reference.py > docs/metrics.md

# Regenerate dashboards/promql and dashboards/influxql from dashboards/source.py (a test fails when they are stale).
dashboards: $(STAMP)
	$(PY) -m dashboards.generate

bench: $(STAMP)
	$(PY) benchmarks/ingest.py
	$(PY) benchmarks/query.py
	$(PY) benchmarks/agent_footprint.py
	$(PY) benchmarks/monthly_report.py
	$(PY) benchmarks/fleet_scrape.py

clean:
	rm -rf $(VENV) build *.egg-info demo-data .pytest_cache
