"""Prefect flows and the steps they run: crawl, clean, dedupe, load; and the `provnews` CLI."""

import os

# Prefect reads these when it is first imported, so they are set here, before any flow module
# imports it. No telemetry. A first run on a fresh machine creates Prefect's local database
# before its temporary API server answers: 16 s on an idle 2-core machine, more under load,
# against Prefect's default wait of 20 s. A user's own value wins.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
