"""The Prefect UI as an operator sees it, in a real browser: `make ui-check` (not part of pytest).

Starts a Prefect server on a free port (the UI is told that port by PREFECT_UI_API_URL, or it
would call 4200), the portal mirror, and `provnews serve`; sets the backfill deployment's default
`mirror_url` as its Edit page does (a test server's setting); then drives Debian's chromium
(Playwright, its `executable_path`; no browser is downloaded, and requests to any host but
127.0.0.1 are refused): the deployments list, the backfill's Run form, filled in and submitted as
an operator does (two portals, one of them answering 503 so that the report has a cause to
show), the run's logs, its report and the weekly trend. It checks what each page shows and saves
a screenshot of each in data/ui-check/.

Exit status 0 when every check held; otherwise the failed checks are listed (the screenshots
are still written).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import flows  # noqa: E402,F401  (Prefect's defaults: no telemetry)
from tests.prefect_server import free_port, stop_group  # noqa: E402
from tests.test_prefect_server import noon_time_zone  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SHOTS = REPO / "data" / "ui-check"
VIEWPORT = {"width": 1280, "height": 900}  # a laptop's browser window
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PORTALS = ["hatinh", "caobang"]
DOWN = "caobang"  # answers 503 to everything
INTERNALS = ("db_path", "mirror_size", "base_url")
KNOWN_OUTSIDE = {"sr-client-cfg.amplitude.com", "api2.amplitude.com"}

failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("ok    " if ok else "FAILED ") + what, flush=True)
    if not ok:
        failures.append(what)


@contextlib.contextmanager
def process(cmd: list[str], env: dict, log: Path):
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        stop_group(proc, signal.SIGINT, timeout=30)


def wait_until(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise SystemExit(f"ui-check: no {what} within {seconds:.0f} s")
        time.sleep(0.5)
    return value


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).read()
        return True
    except OSError:
        return False


def point_backfill_at(api_url: str, mirror_url: str) -> str:
    """A test server's operator sets the backfill's default `mirror_url` once, on the Edit page
    (a PATCH of the deployment). Returns the deployment's id."""
    import httpx
    from prefect.client.orchestration import get_client

    from flows import serve

    with get_client(sync_client=True) as client:
        backfill = client.read_deployment_by_name(f"backfill/{serve.BACKFILL_DEPLOYMENT}")
    httpx.patch(f"{api_url}/deployments/{backfill.id}",
                json={"parameters": {"mirror_url": mirror_url}}).raise_for_status()
    return str(backfill.id)


def finished(run_id: str) -> dict[str, str]:
    """Wait for the run to end; its artifacts' ids by key."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        state = wait_until(lambda: (s := client.read_flow_run(run_id).state).is_final() and s, 600, "end of the run")
        print(f"backfill run: {state.name}: {state.message}", flush=True)
        return {a.key: str(a.id) for a in client.read_artifacts() if str(a.flow_run_id) == run_id}


def check_fits(page, name: str) -> None:
    """The artifact's tables end within the column the UI gives the artifact (beside it: the
    artifact's details), so no column is cut off or drawn over."""
    overflow = page.eval_on_selector_all("table", """tables => tables.map(t => {
        const column = t.closest(".prose") || t.parentElement;
        return [t.getBoundingClientRect().right, column.getBoundingClientRect().right, t.scrollWidth - t.clientWidth];
    })""")
    check(bool(overflow) and all(right <= edge + 1 and scrolled <= 0 for right, edge, scrolled in overflow),
          f"{name}: every table fits its column (table right edge, column right edge, hidden width: {overflow})")


def browse(ui: str, backfill_id: str) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    refused: list[str] = []
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="provnews-chromium-") as profile:
        browser = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT)

        def local_only(route):
            if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
                route.continue_()
            else:
                refused.append(route.request.url)
                route.abort()

        browser.route("**/*", local_only)
        page = browser.new_page()

        def visit(name: str, path: str, ready: str) -> str:
            page.goto(f"{ui}{path}")
            try:
                page.get_by_text(ready, exact=False).first.wait_for(timeout=30_000)
            except Exception:
                check(False, f"{name}: {ready!r} appeared")
            page.wait_for_timeout(1500)  # let the page settle for its picture
            page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
            return page.inner_text("body")

        text = visit("1-deployments", "/deployments", "provnews-backfill")
        check("provnews-scheduled-ingest" in text and "provnews-backfill" in text, "deployments list: both names")
        check("on-demand" not in text and "\nscheduled\n" not in text, "deployments list: no old names")

        text = visit("2-backfill-run-form", f"/deployments/deployment/{backfill_id}/run", "Parameters")
        for field in ("since", "portals (Optional)", "until (Optional)", "mirror (Optional)", "mirror_url (Optional)"):
            check(field in text, f"run form: field {field!r}")
        for internal in INTERNALS:
            check(internal not in text, f"run form: no {internal!r}")
        check('Property is type "None"' not in text, 'run form: no "Property is type None"')
        check("hatinh — Hà Tĩnh" in text, "run form: portals named with their province")
        form_values = page.eval_on_selector_all("input, textarea", "els => els.map(e => e.value)")
        check(any(v.startswith("http://127.0.0.1") for v in form_values),
              "run form: the Edit page's mirror_url default")
        page.get_by_role("button", name="Select portals").or_(page.get_by_label("Select portals")).first.click()
        page.wait_for_timeout(800)
        page.screenshot(path=SHOTS / "3-backfill-run-form-portals.png", full_page=False)
        options = page.get_by_role("option").all_inner_texts()
        check("yenbai" in options and len(options) >= 18, f"run form: portals drop-down ({len(options)} options)")
        for portal in PORTALS:
            page.get_by_role("option", name=portal, exact=True).click()
        page.keyboard.press("Escape")
        page.get_by_text("Pick a date").first.click()  # since
        page.get_by_label("Date (yyyy-MM-dd)").fill("2000-01-01")
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)
        page.screenshot(path=SHOTS / "4-backfill-run-form-filled.png", full_page=True)
        with page.expect_response(lambda r: r.url.endswith("/create_flow_run")) as created:
            page.get_by_role("button", name="Submit").click()
        response = created.value
        check(response.status == 201, f"run form: Submit created the run (HTTP {response.status}: "
                                      f"{response.text()[:200] if response.status != 201 else 'ok'})")
        if response.status != 201:
            browser.close()
            return
        sent = response.request.post_data_json["parameters"]
        check(sent.get("since") == "2000-01-01" and sorted(sent.get("portals") or []) == sorted(PORTALS),
              f"run form: sent since and portals ({sent})")
        run_id = response.json()["id"]
        artifacts = finished(run_id)

        text = visit("5-run-logs", f"/runs/flow-run/{run_id}", "not loaded")
        check(f"{DOWN} not loaded, its crawl failed: no listing page of {DOWN} could be fetched: HTTP 503" in text,
              "run logs: the failed portal's cause in one line")
        check("Traceback" not in text, "run logs: no traceback")

        report = artifacts.get("backfill-report")
        check(report is not None, "the run published backfill-report")
        if report:
            text = visit("6-report", f"/artifacts/artifact/{report}", "crawl + load")
            for column in ("portal", "status", "new", "near dups", "exact dups", "rejected", "pages", "crawl + load"):
                check(column in text, f"report: column {column!r}")
            check_fits(page, "report")
            check(f"{DOWN} (crawl_failed): no listing page of {DOWN} could be fetched: HTTP 503" in text,
                  "report: the cause listed below the table")
        trend = artifacts.get("articles-per-week")
        check(trend is not None, "the run published articles-per-week")
        if trend:
            text = visit("7-trend", f"/artifacts/artifact/{trend}", "New articles per week")
            check("hatinh" in text and "✗\u00a0failed" in text, "trend: a row per portal, the failure flagged")
            check_fits(page, "trend")
        browser.close()
    # Prefect's V2 UI asks Amplitude for its configuration on every load, whatever
    # PREFECT_SERVER_ANALYTICS_ENABLED says (it sends no event then); refused here like any other host.
    others = sorted({urlsplit(url).hostname for url in refused} - KNOWN_OUTSIDE)
    check(not others, f"the UI asked no host but 127.0.0.1 and Prefect's analytics ({others or 'none'}; "
                      f"{len(refused)} request(s) refused)")


def main() -> int:
    if not os.access(CHROMIUM, os.X_OK):
        print(f"ui-check: {CHROMIUM} is missing: apt-get install -y chromium chromium-driver", file=sys.stderr)
        return 2
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from mirror.server import Mirror

    home = Path(tempfile.mkdtemp(prefix="provnews-ui-check-"))
    port = free_port()
    api_url, ui = f"http://127.0.0.1:{port}/api", f"http://127.0.0.1:{port}/v2"  # the default UI (V2)
    server_env = {**os.environ, "PREFECT_HOME": str(home / "prefect"), "PREFECT_UI_API_URL": api_url,
                  "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    server_env.pop("PREFECT_API_URL", None)
    serve_env = {**os.environ, "PREFECT_API_URL": api_url, "PROVNEWS_CRAWL_RETRY_DELAYS": "1",
                 "PREFECT_RUNNER_POLL_FREQUENCY": "1", "PREFECT_LOGGING_LEVEL": "INFO"}
    prefect = shutil.which("prefect", path=os.path.dirname(sys.executable))
    try:
        with process([prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)], server_env,
                     home / "server.log"):
            wait_until(lambda: answers(f"{api_url}/health"), 180, "prefect server")
            with Mirror(size=40, slow_seconds=0.2) as mirror, \
                    process([sys.executable, "-m", "flows.cli", "--db", str(home / "w.duckdb"), "serve",
                             "--timezone", noon_time_zone()], serve_env, home / "serve.log"):
                mirror.down.add(DOWN)
                wait_until(lambda: "being served" in (home / "serve.log").read_text(errors="replace"), 120,
                           "`provnews serve` registration")
                with temporary_settings({PREFECT_API_URL: api_url}):
                    browse(ui, point_backfill_at(api_url, mirror.base_url))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"screenshots in {SHOTS.relative_to(REPO)}/")
    if failures:
        print(f"ui-check: {len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("ui-check: every check held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
