"""Past one machine, all real: a `prefect server`, a PostgreSQL cluster as the DuckLake catalog
with a shared data path, the portal mirror on 127.0.0.1, `provnews serve --pool P`, and two
`prefect worker start --pool P --limit 2` processes, each with its own staging area (two
"machines"). The fan-out spreads the portals over both machines, none crawled by both; every
article lands once; a copy that one portal republished from another, loaded by one machine
while the other loaded its original, ends as one story, as in a single-process load of the same
portals; a machine killed mid-crawl loses nothing: the killed portal's slot comes back when its
lease lapses, and the fan-out run again brings the warehouse to the single-process load's
contents.

The listing of the portal to be killed never ends (the mirror's `endless_pagination`) until the
kill, so whichever machine takes it is caught crawling it once every other portal is loaded;
the fault is then switched off. A worker starts each flow run in
a session of its own (so that a signal to the worker's group does not reach its runs), so
killing a machine here is SIGKILL to the process group of the worker and of everything it
started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import DeploymentUpdate
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId
from prefect.concurrency.sync import concurrency
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound

from flows import pool
from mirror import corpus
from mirror.server import Mirror
from spiders.crawl import MANIFEST
from spiders.progress import PROGRESS_FILE
from tests.conftest import REPO, run_cli
from tests.postgres import postgres  # noqa: F401  (the fixture)
from tests.prefect_server import PREFECT, free_port, prefect_server, wait_for
from warehouse.analyst import open_readonly

# Portals that each republish articles of the next (`mirror.corpus._source_of`): whichever
# portals each machine loads, some copy and its original are loaded by different machines.
PORTALS = list(corpus.PORTAL_ORDER[2:6])  # sonla, cantho, khanhhoa, hatinh
# Each machine takes two runs at a time, the fan-out one of them: whichever takes this one, both
# load some of the others. Its listing is made endless where the fault suite makes it so.
KILLED = "hatinh"
SIZE = 60
FAN_OUT = f"fan-out/{pool.FAN_OUT_DEPLOYMENT}"
WORKER_ENV = {"PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "1",
              "PREFECT_LOGGING_LEVEL": "INFO", "PROVNEWS_CRAWL_RETRY_DELAYS": "1",
              "PROVNEWS_MAX_LISTING_PAGES": "1000000"}  # the endless listing walks on until the kill


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The same portals loaded by one process (`provnews ingest`) from a mirror of their own into
    a warehouse of its own (the stored URLs are the portals', whatever the mirror's port);
    started first, it runs while the Prefect server starts."""
    where = tmp_path_factory.mktemp("reference") / "w"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # its own temporary API
    with Mirror(size=SIZE, slow_seconds=0.3) as m:
        proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "--db", str(where), "ingest",
                                 "--mirror-url", m.base_url, *[a for p in PORTALS for a in ("--portal", p)]],
                                cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

        def done():
            out, _ = proc.communicate(timeout=300)
            assert proc.returncode == 0, out
            return where
        try:
            yield done
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def api_url(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    # Expired leases are taken back every second (default 15), and no schedule makes runs.
    with prefect_server(home, {"PREFECT_SERVER_SERVICES_REPOSSESSOR_LOOP_SECONDS": "1",
                               "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false"}) as url:
        yield url


class Worker:
    """`prefect worker start --pool P --limit 2` as one machine: its own staging area and log."""

    def __init__(self, name: str, pool_name: str, api_url: str, root: Path):
        self.name, self.staging, self.log = name, root / f"{name}-staging", root / f"{name}.log"
        env = {**os.environ, **WORKER_ENV, "PREFECT_API_URL": api_url, "PROVNEWS_STAGING": str(self.staging)}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([PREFECT, "worker", "start", "--pool", pool_name, "--limit", "2",
                                          "--name", name], env=env, cwd=root, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def batches(self) -> dict[str, list[Path]]:
        """Portal -> its batch directories in this machine's staging area."""
        found = defaultdict(list)
        for d in sorted((self.staging / "batches").glob("*-*")):
            found[d.name.rsplit("-", 1)[1]].append(d)
        return found

    def loaded(self) -> set[str]:
        return {p for p, dirs in self.batches().items() if any((d / "LOADED").exists() for d in dirs)}

    def crawling(self) -> list[Path]:
        return [d for dirs in self.batches().values() for d in dirs
                if (d / PROGRESS_FILE).exists() and not (d / MANIFEST).exists()]

    def kill(self) -> None:
        """SIGKILL to the worker's process group and to that of each process it started."""
        groups = {os.getpgid(pid) for pid in _descendants(self.proc.pid) if _alive(pid)}
        for group in groups | {self.proc.pid}:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.kill()


def _tail(log: Path, lines: int = 60) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _descendants(pid: int) -> list[int]:
    children = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children[ppid].append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        found.append(p := todo.pop())
        todo.extend(children[p])
    return found


def fan_out_runs(run_id) -> list:
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run_id])))


def all_final(run_id, expected: int):
    runs = fan_out_runs(run_id)
    return len(runs) == expected and all(r.state.is_final() for r in runs) and runs


def contents(location) -> dict:
    """What a warehouse holds, whatever order it was loaded in: every URL's article (title and
    text hash) and the URLs of each story (an exact copy is a URL of its original's row, a near
    copy a row pointing at its original), as sets of URL keys."""
    with contextlib.closing(open_readonly(location)) as con:
        rows = con.execute("SELECT u.url_key, coalesce(a.duplicate_of, a.article_id), a.title, a.content_hash "
                           "FROM article_urls u JOIN articles a USING (article_id)").fetchall()
    stories = defaultdict(set)
    for key, story, _, _ in rows:
        stories[story].add(key)
    return {"articles": {key: (title, digest) for key, _, title, digest in rows},
            "stories": {frozenset(keys) for keys in stories.values()}}


def duplicates(location) -> dict:
    with contextlib.closing(open_readonly(location)) as con:
        return {what: con.execute(f"SELECT {column}, count(*) FROM {table} GROUP BY 1 HAVING count(*) > 1").fetchall()
                for what, (table, column) in {"url_key": ("article_urls", "url_key"),
                                              "article_id": ("articles", "article_id"),
                                              "url": ("articles", "url"),
                                              "batch": ("loaded_batches", "batch_id")}.items()}


def cross_portal_links(location) -> set[tuple[str, str, str, str]]:
    """(copy's portal, its URL, original's portal, its URL) of every near copy across portals."""
    with contextlib.closing(open_readonly(location)) as con:
        return set(con.execute("SELECT d.portal, d.url, o.portal, o.url FROM articles d "
                               "JOIN articles o ON o.article_id = d.duplicate_of WHERE d.portal <> o.portal").fetchall())


def test_serve_pool_registers_the_deployments_keeps_what_the_ui_changed_and_fans_out(api_url, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    done = run_cli("--db", str(first), "serve", "--pool", "registering", env={"PREFECT_API_URL": api_url})
    assert done.returncode == 0, done.stderr
    assert "prefect worker start --pool registering" in done.stdout
    with get_client(sync_client=True) as client:
        assert client.read_work_pool("registering").type == "process"
        scheduled = client.read_deployment_by_name(FAN_OUT)
        portal = client.read_deployment_by_name(f"{pool.PORTAL_FLOW}/{pool.PORTAL_DEPLOYMENT}")
        for deployment in (scheduled, portal):
            assert deployment.work_pool_name == "registering"
            assert deployment.job_variables["env"]["PROVNEWS_DB"] == str(first.resolve())
            assert deployment.entrypoint in ("flows.pool.fan_out", "flows.pool.ingest_portal")
        (schedule,) = client.read_deployment_schedules(scheduled.id)
        assert schedule.active
        limits = {limit.name: limit.limit for limit in client.read_global_concurrency_limits(limit=200)}
        assert {pool.portal_limit(k): 1 for k in corpus.PORTAL_ORDER}.items() <= limits.items()
        # What a user does in the UI: pause the fan-out, switch its schedule off, set a default.
        client.pause_deployment(scheduled.id)
        client.update_deployment_schedule(scheduled.id, schedule.id, active=False)
        client.update_deployment(scheduled.id, DeploymentUpdate(parameters={"mirror_url": "http://127.0.0.1:8000"}))

    done = run_cli("--db", str(second), "serve", "--pool", "registering", env={"PREFECT_API_URL": api_url})
    assert done.returncode == 0, done.stderr
    with get_client(sync_client=True) as client:
        scheduled = client.read_deployment_by_name(FAN_OUT)
        (schedule,) = client.read_deployment_schedules(scheduled.id)
    assert scheduled.paused and not schedule.active
    assert scheduled.parameters == {"mirror_url": "http://127.0.0.1:8000"}
    assert scheduled.job_variables["env"]["PROVNEWS_DB"] == str(second.resolve())  # the command line's

    # The fan-out (here in this process; no worker takes what it queues) leaves out a portal whose
    # slot is taken, for a scheduled ingest; a backfill queues it, to wait for its turn.
    with concurrency(pool.portal_limit("hatinh"), strict=True, lease_duration=60):
        scheduled_run = pool.fan_out(portals=["hatinh", "sonla"], return_state=True)
        backfill_run = pool.fan_out(portals=["hatinh"], since=date(2021, 1, 1), backfill=True, return_state=True)
    assert set(scheduled_run.result()) == {"sonla"} and set(backfill_run.result()) == {"hatinh"}
    with get_client(sync_client=True) as client:
        for state in (scheduled_run, backfill_run):
            for run in fan_out_runs(state.state_details.flow_run_id):
                if run.parameters["backfill"]:
                    assert run.parameters["since"] == "2021-01-01"  # a date passes the deployment's schema
                client.delete_flow_run(run.id)


def test_serve_pool_refuses_a_warehouse_it_cannot_use_in_one_line(api_url, tmp_path):
    unreachable = f"postgres:dbname=lake host=127.0.0.1 port={free_port()} user=postgres"
    for db, says in ((str(tmp_path / "w.duckdb"), "is one DuckDB file (one writer)"),
                     (unreachable, f"cannot open the warehouse {unreachable}: ")):
        done = run_cli("--db", db, "serve", "--pool", "refused",  # a staging area of the test's, not the repo's
                       env={"PREFECT_API_URL": api_url, "PROVNEWS_STAGING": str(tmp_path / "staging")})
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and says in done.stderr, done.stderr
    with get_client(sync_client=True) as client, pytest.raises(ObjectNotFound):
        client.read_work_pool("refused")  # nothing registered


def test_two_machines_share_the_portals_and_a_killed_one_loses_nothing(reference, api_url, postgres, tmp_path):
    started = time.monotonic()
    lake = f"postgres:{postgres.conninfo}"
    data_path = tmp_path / "lake-data"
    done = run_cli("--db", lake, "serve", "--pool", "machines",
                   env={"PREFECT_API_URL": api_url, "PROVNEWS_DATA_PATH": f"{data_path}/",
                        "PROVNEWS_STAGING": str(tmp_path / "serve-staging")})
    assert done.returncode == 0, done.stdout + done.stderr
    machines = {name: Worker(name, "machines", api_url, tmp_path) for name in ("machine-a", "machine-b")}
    mirror = Mirror(size=SIZE, slow_seconds=0.3).start()
    mirror.httpd.handle_error = lambda *_: None  # the killed crawl's connections, reset
    category = corpus.SITES[KILLED].categories[1][0]
    mirror.listing_faults = {f"{KILLED}/{category}": "endless_pagination"}
    try:
        first = run_deployment(FAN_OUT, timeout=0, parameters={"portals": PORTALS, "mirror_url": mirror.base_url})

        def killed_one_crawling():
            loaded = set().union(*(m.loaded() for m in machines.values()))
            crawling = [(m, d) for m in machines.values() for d in m.crawling() if d.name.endswith(f"-{KILLED}")]
            return loaded >= set(PORTALS) - {KILLED} and crawling
        [(victim, cut)] = wait_for(killed_one_crawling, seconds=180, what=f"{KILLED} crawled, the others loaded",
                                   every=0.1)
        victim.kill()
        killed_at = time.monotonic()
        mirror.listing_faults = {}
        assert not (cut / MANIFEST).exists()  # cut mid-crawl: nothing of it was staged whole
        loaded_first = {name: m.loaded() for name, m in machines.items()}
        runs = {r.parameters["portal"]: r for r in fan_out_runs(first.id)}
        assert set(runs) == set(PORTALS)

        # The machine comes back (same staging area) while the lease runs out: its worker
        # takes only the runs queued from now on.
        machines[victim.name] = Worker(victim.name, "machines", api_url, tmp_path)
        with get_client(sync_client=True) as client:
            # The killed crawl's slot, and that of any other run the machine was finishing
            # (a compaction after a load, say): their leases lapse about together.
            wait_for(lambda: not any(pool._limit_taken(client, p) for p in PORTALS), seconds=120,
                     what=f"{KILLED}'s slot back, and every other portal's")
        slot_back = time.monotonic() - killed_at
        # The fan-out runs again.
        again = run_deployment(FAN_OUT, timeout=0, parameters={"portals": PORTALS, "mirror_url": mirror.base_url})
        final = wait_for(lambda: all_final(again.id, len(PORTALS)), seconds=180, what="the second fan-out's runs")
        failed = [(r.name, r.state.message) for r in final if not r.state.is_completed()]
        assert not failed, (failed, {m.name: _tail(m.log) for m in machines.values()})
    finally:
        for m in machines.values():
            m.stop()
        mirror.stop()
    pool_seconds = time.monotonic() - started

    # Before the kill, each machine had loaded portals of its own (read from its staging area).
    a, b = loaded_first.values()
    assert a and b and not a & b, loaded_first
    assert duplicates(lake) == {"url_key": [], "article_id": [], "url": [], "batch": []}
    single = reference()
    assert contents(lake) == contents(single)
    # A copy and its original that different machines loaded in the same fan-out: one story.
    links = cross_portal_links(single)
    across = {link for link in links if (link[0] in a and link[2] in b) or (link[0] in b and link[2] in a)}
    assert across, (links, loaded_first)
    assert across <= cross_portal_links(lake)
    assert list(data_path.rglob("*.parquet")), "the lake's files are not under PROVNEWS_DATA_PATH"
    print(f"\npool: {pool_seconds:.0f} s in all; loaded by {', '.join(f'{n} {sorted(p)}' for n, p in loaded_first.items())}"
          f", {KILLED} killed mid-crawl on {victim.name}, its slot back {slot_back:.0f} s later; "
          f"copies across machines: {sorted((c, o) for c, _, o, _ in across)}")
