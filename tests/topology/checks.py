"""The checks of the topology script, in the order it runs them (README.md beside this file)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import threading
import time
import uuid
from typing import Any

import psycopg
from cluster import Topology
from common import HOST, PRIMARY, check, exec_start, ok, run, say, wait_for
from web import Browser, plain_http

# Every table's row count, in one query (docs/deployment.md, "Backup and restore drill").
COUNT_ROWS = """
SELECT table_name,
       (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', table_name),
              false, true, '')))[1]::text::bigint AS n
  FROM information_schema.tables
 WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
 ORDER BY 1
"""
REPORT = "programme"  # an outcome report (sent to the replica)

# --- the checks ---------------------------------------------------------------------------


def sign_in(browser: Browser, server: str, username: str, password: str) -> None:
    page = browser.get(server, "/account/login/")
    check(page.status == 200, f"login page: {page.status}")
    form = page.form(lambda f: any(k == "username" for k, _ in f["fields"]))
    result = browser.submit(server, page, form, {"username": username, "password": password})
    check(result.status == 200 and "/account/login/" not in result.url,
          f"signing in as {username} failed ({result.status} {result.url})")


def journey(top: Topology) -> dict[str, Any]:
    a, b = top.servers
    browser = Browser("192.0.2.10")
    sign_in(browser, a, "admin", top.password)
    ok(f"signed in as admin on server A ({a})")
    page = browser.get(b, "/groups/")
    check(page.status == 200 and "/account/login/" not in page.url, "server B does not know the session of server A")
    ok("server B serves the session server A opened (sessions in the database, no sticky sessions)")

    group_id, org_id = top.sql(
        "SELECT g.id, g.organization_id FROM groups_peergroup g JOIN tenancy_organization o ON o.id = g.organization_id "
        "ORDER BY g.id LIMIT 1")[0]
    used = {row[0] for row in top.sql("SELECT date FROM groups_session WHERE group_id = %s", (group_id,))}
    day = next(d for d in (time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400 * k)) for k in range(60))
               if d not in {u.isoformat() for u in used})
    page = browser.get(b, f"/groups/{group_id}/sessions/new/?date={day}")
    check(page.status == 200, f"session form: {page.status}")
    form = page.form(lambda f: any(k == "s-date" for k, _ in f["fields"]))
    roster = sum(1 for k, _ in form["fields"] if re.fullmatch(r"att-\d+-member", k))
    request_id = f"topology-{uuid.uuid4()}"
    result = browser.submit(b, page, form, {"s-date": day, "s-theme": "topology smoke test"},
                            headers={"X-Request-ID": request_id})
    check(result.status == 200 and re.search(r"/groups/\d+/sessions/\d+/", result.url),
          f"recording the session did not lead to the session page ({result.status} {result.url})")
    session = top.sql("SELECT id FROM groups_session WHERE group_id = %s AND date = %s", (group_id, day))
    check(len(session) == 1, "the session is not in the database")
    attended = top.sql("SELECT count(*) FROM groups_attendance WHERE session_id = %s", (session[0][0],))[0][0]
    check(attended == roster and roster > 0, f"{attended} attendance rows for a roster of {roster}")
    ok(f"group session of {day} recorded on server B: {attended} attendance rows, one per roster member")
    audited = top.sql("SELECT count(*) FROM audit_accesslog WHERE request_id = %s", (request_id,))[0][0]
    check(audited >= 1, f"no audit entry carries the request id {request_id}")
    ok(f"the audit entry of that request carries its X-Request-ID ({audited} entr{'y' if audited == 1 else 'ies'})")
    return {"browser": browser, "org_id": org_id}


def through_the_proxy(top: Topology, ctx: dict[str, Any]) -> None:
    """The nginx site of deploy/nginx/ in front of both servers, as a browser and a
    load balancer's probe see it."""
    plain = f"http://127.0.0.1:{top.http_port}"
    for path in ("/healthz/", "/readyz/"):
        status, _ = plain_http(plain + path)
        check(status == 200, f"plain HTTP {path} through nginx: {status}")
    status, location = plain_http(plain + "/account/login/")
    check(status == 301 and location == f"https://{HOST}/account/login/",
          f"plain HTTP /account/login/ through nginx: {status} {location!r}, not a redirect to HTTPS")
    ok("nginx, plain HTTP: /healthz/ and /readyz/ answered for probes, every other page redirected to HTTPS")

    browser = Browser(None, top.tls)
    sign_in(browser, top.proxy, "coordinator", top.password)
    codes = [row[0] for row in top.sql("SELECT code FROM members_member ORDER BY code LIMIT 6")]
    ids = []
    for code in codes:
        page = browser.get(top.proxy, f"/members/{code}/")
        check(page.status == 200, f"/members/{code}/ through nginx: {page.status}")
        returned = page.headers.get_all("X-Request-ID") or []
        check(len(returned) == 1 and re.fullmatch(r"[0-9a-f]{32}", returned[0]),
              f"X-Request-ID headers of a response through nginx: {returned}")
        ids.append(returned[0])
    logs = {name: top.procs.log(f"gunicorn-{name}") for name in ("a", "b")}
    served = {name: sum(1 for i in ids if i in text) for name, text in logs.items()}
    check(all(served.values()) and sum(served.values()) == len(ids),
          f"nginx did not spread {len(ids)} member pages over both servers: {served}")
    audited = top.sql("SELECT request_id, host(ip_address) FROM audit_accesslog WHERE request_id = ANY(%s)", (ids,))
    check({r[0] for r in audited} == set(ids), "not every member page read through nginx is audited with its id")
    check({r[1] for r in audited} == {"127.0.0.1"},
          f"audited client addresses {sorted({r[1] for r in audited})}: not the address nginx appended")
    ok(f"HTTPS through nginx: {len(ids)} member pages spread over both servers ({served['a']} on A, "
       f"{served['b']} on B), each audited with nginx's request id and the client address nginx passed on")

    metrics = browser.get(top.proxy, "/metrics", headers={"Authorization": f"Bearer {top.env['PEERPATH_METRICS_TOKEN']}"})
    check(metrics.status == 404, f"/metrics through nginx: {metrics.status}, not refused")
    manifest = json.loads((top.work / "var" / "static" / "staticfiles.json").read_text(encoding="utf-8"))
    hashed = next(v for k, v in sorted(manifest["paths"].items()) if k.startswith("peerpath/") and k.endswith(".css"))
    static = browser.get(top.proxy, f"/static/{hashed}")
    check(static.status == 200 and static.body, f"/static/{hashed} through nginx: {static.status}")
    check(not any(f"/static/{hashed}" in text for text in (top.procs.log("gunicorn-a"), top.procs.log("gunicorn-b"))),
          "a static file went to gunicorn")
    ok(f"nginx refuses /metrics from outside and serves /static/{hashed} itself")


def queue_export(top: Topology, browser: Browser, server: str, reason: str) -> int:
    page = browser.get(server, "/exports/identifiable/new/")
    check(page.status == 200, f"export form: {page.status}")
    form = page.form(lambda f: any(k == "reason" for k, _ in f["fields"]))
    result = browser.submit(server, page, form, {"reason": reason, "format": "csv", "tables": ["attendance"]})
    match = re.search(r"/exports/(\d+)/", result.url)
    check(result.status == 200 and match, f"queueing the export did not lead to its page ({result.status} {result.url})")
    return int(match.group(1))


def export_state(top: Topology, job: int) -> str:
    return str(top.sql("SELECT state FROM exports_exportjob WHERE id = %s", (job,))[0][0])


def task_table(top: Topology) -> str:
    rows = top.sql("SELECT relname FROM pg_class WHERE relname LIKE '%dbtaskresult' AND relkind = 'r'")
    check(rows, "no task table (django-tasks-db) in the database")
    return str(rows[0][0])


def export_task(top: Topology, job: int) -> tuple[str, str, list[str]]:
    table = task_table(top)
    rows = top.sql(f"SELECT id::text, status, worker_ids FROM {table} WHERE task_path LIKE %s "  # noqa: S608
                   "AND args_kwargs::text LIKE %s", ("%build_export", f"%{job}%"))
    check(len(rows) == 1, f"{len(rows)} queued tasks for export {job}, expected one")
    return rows[0][0], rows[0][1], list(rows[0][2] or [])


def exactly_once(top: Topology, browser: Browser, server: str, job: int) -> None:
    files = top.sql("SELECT sha256 FROM exports_exportfile WHERE job_id = %s", (job,))
    check(len(files) == 1, f"export {job} has {len(files)} files")
    exported = top.sql("SELECT count(*) FROM audit_accesslog WHERE event = 'data.export' AND target_id = %s",
                       (str(job),))[0][0]
    check(exported == 1, f"export {job} was audited as built {exported} times")
    download = browser.get(server, f"/exports/{job}/download/")
    check(download.status == 200 and download.body, f"download of export {job}: {download.status}")
    check(hashlib.sha256(download.body).hexdigest() == files[0][0], "the downloaded file is not the stored one")


def smoke_export(top: Topology, ctx: dict[str, Any]) -> None:
    a, b = top.servers
    job = queue_export(top, ctx["browser"], a, "topology smoke test")
    check(export_state(top, job) in {"queued", "running", "done"}, f"export {job}: {export_state(top, job)}")
    wait_for(f"export {job} to be built by a worker", lambda: export_state(top, job) == "done", timeout=120)
    exactly_once(top, ctx["browser"], b, job)
    _, status, workers = export_task(top, job)
    ok(f"export {job} queued on server A, built by worker {', '.join(workers)} (task {status}), "
       "downloaded from server B: one file, audited once, same SHA-256")


def report_on_replica(top: Topology, ctx: dict[str, Any]) -> None:
    a, b = top.servers
    top.replica_caught_up()
    before = top.replica_log.stat().st_size
    page = ctx["browser"].get(b, f"/reports/{REPORT}/")
    check(page.status == 200, f"{REPORT} report: {page.status}")
    time.sleep(0.5)
    with open(top.replica_log, encoding="utf-8", errors="replace") as log:
        log.seek(before)
        statements = [line for line in log if f" {top.db} LOG:  statement: SELECT" in line]
    check(statements, "the report's queries did not reach the replica (nothing in its statement log)")
    metrics = ctx["browser"].get(b, "/metrics", headers={"Authorization": f"Bearer {top.env['PEERPATH_METRICS_TOKEN']}"})
    check(metrics.status == 200, f"/metrics with the token: {metrics.status}")
    counted = re.search(r'peerpath_db_queries_total\{[^}]*(?:database="replica"[^}]*route="report_page"|'
                        r'route="report_page"[^}]*database="replica")[^}]*\} ([0-9.e+]+)', metrics.text)
    check(counted and float(counted.group(1)) > 0, "server B's /metrics counts no replica query for the report page")
    tables = sorted(set(re.findall(r'FROM "(\w+)"', "".join(statements))))
    ok(f"{REPORT} report read on server B: {len(statements)} SELECTs ran on the replica "
       f"({', '.join(tables[:6])}{'…' if len(tables) > 6 else ''}); server B's /metrics counts "
       f"{float(counted.group(1)):.0f} replica queries for the report page")


def periodic_tasks(top: Topology, ctx: dict[str, Any]) -> None:
    """What the timer runs (deploy/systemd/peerpath-periodic.service) enqueues the due
    tasks; the workers run them; a second run straight after enqueues nothing."""
    table = task_table(top)
    since = top.sql("SELECT now()")[0][0]
    argv = exec_start("peerpath-periodic.service")
    first = run(argv, env=top.env).stdout.strip()
    check(first.startswith("Enqueued: ") and "nothing due" not in first, f"the first run enqueued nothing: {first}")
    query = f"SELECT task_path, status, exception_class_path FROM {table} WHERE enqueued_at >= %s"  # noqa: S608

    def finished() -> list[Any]:
        rows = top.sql(query, (since,))
        return rows if rows and all(r[1] in {"SUCCESSFUL", "FAILED"} for r in rows) else []

    rows = wait_for("the workers to run the periodic tasks", finished, timeout=180)
    failed = [f"{r[0]}: {r[2]}" for r in rows if r[1] != "SUCCESSFUL"]
    check(not failed, f"periodic tasks failed: {failed}")
    second = run(argv, env=top.env).stdout.strip()
    check(second == "Enqueued: nothing due", f"a second run straight after enqueued again: {second}")
    ok(f"timer's command: {first.lower()}; the workers ran all {len(rows)} successfully; "
       "run again at once: nothing due")


def kill_worker_mid_task(top: Topology, ctx: dict[str, Any]) -> None:
    """A worker is killed with SIGKILL while it builds an export; the other one takes
    the task over once the heartbeat is stale; the export is built exactly once."""
    a, b = top.servers
    for pid in top.workers.values():
        os.kill(pid, signal.SIGSTOP)  # the export is queued before any worker can take it
    try:
        job = queue_export(top, ctx["browser"], b, "topology: worker killed mid-task")
        # The export's build reads the members table once it has marked itself running:
        # hold that table so that the worker that takes the task stops there, mid-task.
        lock = psycopg.connect(f"{PRIMARY}/{top.db}", autocommit=False)
        lock.execute("LOCK TABLE members_member IN ACCESS EXCLUSIVE MODE")
    finally:
        for pid in top.workers.values():
            os.kill(pid, signal.SIGCONT)
    try:
        wait_for("a worker to start the export", lambda: export_state(top, job) == "running", timeout=60)
        # (The lock is replayed on the replica too, where the export may read the table.)
        waiting_sql = ("SELECT a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                       "WHERE NOT l.granted AND l.relation = 'members_member'::regclass "
                       "AND a.datname = current_database()")
        replica_url = f"postgres://postgres@127.0.0.1:{top.replica_port}/{top.db}"

        def blocked() -> list[tuple[str, int]]:
            check(export_state(top, job) == "running", f"export {job} is {export_state(top, job)}, not held mid-way")
            return [*(("primary", r[0]) for r in top.sql(waiting_sql)),
                    *(("replica", r[0]) for r in top.sql(waiting_sql, url=replica_url))]

        waiting = wait_for("the worker to reach the held table", blocked, timeout=60)
        _, status, workers = export_task(top, job)
        check(status == "RUNNING" and workers, f"the export's task is {status}, not running")
        victim_id = workers[-1]
        victim = next((n for n, _ in top.workers.items() if f"topology-{n}" == victim_id), None)
        check(victim, f"the task is held by {victim_id}, not one of this script's workers")
        heartbeat_pid = top.sql("SELECT pid FROM tasks_workerheartbeat WHERE worker_id = %s", (victim_id,))[0][0]
        check(heartbeat_pid == top.workers[victim], "the heartbeat's pid is not the worker's process")
        os.kill(top.workers[victim], signal.SIGKILL)
        top.procs.running.pop(f"worker-{victim}").wait(timeout=10)
        say(f"      worker {victim_id} (pid {top.workers[victim]}) killed with SIGKILL while export {job} was "
            f"running (its query waiting on the held table on the {waiting[0][0]})")
    finally:
        lock.rollback()
        lock.close()
    survivor = next(n for n in top.workers if n != victim)
    wait_for(f"export {job} to be finished by worker topology-{survivor}", lambda: export_state(top, job) == "done",
             timeout=120)
    _, status, workers = export_task(top, job)
    check(status == "SUCCESSFUL", f"the export's task ended {status}")
    check(workers[-1] == f"topology-{survivor}" and victim_id in workers,
          f"the task's workers were {workers}: expected the killed one, then topology-{survivor}")
    exactly_once(top, ctx["browser"], a, job)
    ok(f"export {job} finished by topology-{survivor} after {victim_id} was killed mid-task: "
       "one file, audited once, downloadable (nothing lost, nothing done twice)")
    top.start_worker(victim)  # back to two workers for the rest


def backup_drill(top: Topology, ctx: dict[str, Any]) -> None:
    """docs/deployment.md, "Backup and restore drill", while staff keep working."""
    a, b = top.servers
    codes = [row[0] for row in top.sql("SELECT code FROM members_member ORDER BY code LIMIT 8")]
    stop = threading.Event()
    done: list[int] = []
    errors: list[str] = []
    writer_browser = Browser("192.0.2.20")
    sign_in(writer_browser, b, "coordinator", top.password)

    def writer() -> None:
        # Each member page read writes an audit entry; the sessions table changes too.
        i = 0
        while not stop.is_set():
            server = (a, b)[i % 2]
            page = writer_browser.get(server, f"/members/{codes[i % len(codes)]}/")
            if page.status != 200:
                errors.append(f"{server} /members/{codes[i % len(codes)]}/: {page.status}")
                return
            done.append(i)
            i += 1

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        wait_for("the writer's first requests", lambda: len(done) >= 3 or errors, timeout=60)
        check(not errors, f"the writer failed: {errors}")
        printed = [line.split("\t") for line in top.peerpath("audit", "heads").stdout.splitlines() if line.strip()]
        check(printed, "peerpath audit heads printed nothing")
        say(f"      peerpath audit heads before the dump: {len(printed)} chains, e.g. {'  '.join(printed[0])}")
        snapshot = psycopg.connect(f"{PRIMARY}/{top.db}", autocommit=False)
        snapshot.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snapshot_id = snapshot.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts = dict(snapshot.execute(COUNT_ROWS).fetchall())
        tables = list(counts)
        heads = sorted(tuple(map(str, r)) for r in snapshot.execute(
            "SELECT chain, seq, hash FROM audit_chainhead").fetchall())
        dump = top.work / "peerpath.dump"
        # The database moves on before the dump starts, so that a dump of "now" instead
        # of the snapshot would show in the counts.
        wait_for("an audited write after the snapshot", lambda: top.sql(
            "SELECT count(*) FROM audit_accesslog")[0][0] > counts["audit_accesslog"] or errors, timeout=60)
        check(not errors, f"the writer failed: {errors}")
        started = len(done)
        run(["pg_dump", "--format=custom", f"--snapshot={snapshot_id}", f"--file={dump}", f"{PRIMARY}/{top.db}"],
            timeout=300)
        during = len(done) - started
        snapshot.rollback()
        snapshot.close()
        check(thread.is_alive() and not errors, f"the writer stopped during the dump: {errors}")
        after = top.sql("SELECT count(*) FROM audit_accesslog")[0][0]
        ok(f"pg_dump --snapshot of {len(tables)} tables while the writer went on "
           f"({after - counts['audit_accesslog']} audit entries written after the snapshot by the end of the dump, "
           f"{during} page read(s) completed during the dump itself)")
    finally:
        stop.set()
        thread.join(timeout=30)
    check(not errors, f"the writer failed: {errors}")

    top.sql(f'CREATE DATABASE "{top.restore_db}" ENCODING \'UTF8\' TEMPLATE template0', db="postgres")
    restore_url = f"{PRIMARY}/{top.restore_db}"
    run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restore_url}", str(dump)], timeout=300)
    restored_env = {**top.env, "DATABASE_URL": restore_url}
    restored_env.pop("DATABASE_REPLICA_URL")
    verify = top.peerpath("audit", "verify", env=restored_env, check_rc=False)
    check(verify.returncode == 0 and "audit log verified" in verify.stdout,
          f"peerpath audit verify on the restored database:\n{verify.stdout}{verify.stderr}")
    ok(f"restored into {top.restore_db}; peerpath audit verify passes ({len(verify.stdout.splitlines()) - 1} chains)")
    restored_heads = sorted(tuple(line.split("\t")) for line in
                            top.peerpath("audit", "heads", env=restored_env).stdout.splitlines() if line.strip())
    check(restored_heads == heads, f"restored chain heads {restored_heads} differ from the snapshot's {heads}")
    for chain, seq, digest in printed:
        found = top.sql("SELECT hash FROM audit_accesslog WHERE chain = %s AND seq = %s", (chain, int(seq)),
                        db=top.restore_db)
        check(found and found[0][0] == digest, f"chain {chain}: the restored entry #{seq} does not have the "
                                                "hash printed before the dump")
    ok(f"the chain heads printed before the dump are in the restored log with the same hashes ({len(printed)}), "
       "and the restored heads are the dump's")
    restored_counts = dict(top.sql(COUNT_ROWS, db=top.restore_db))
    mismatched = [f"{table}: {restored_counts.get(table)} restored, {count} at the dump"
                  for table, count in counts.items() if restored_counts.get(table) != count]
    mismatched += [f"{table}: only in the restored database" for table in set(restored_counts) - set(counts)]
    check(not mismatched, "row counts differ:\n  " + "\n  ".join(mismatched))
    ok(f"every table's row count matches the moment of the dump ({len(counts)} tables, "
       f"{sum(counts.values())} rows)")
