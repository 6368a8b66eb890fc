"""Issue 21 item 3: failover without loss. The catalogue's primary PostgreSQL streams synchronously to a
standby (tests/pg/pg-env --standby); coldvault's URL names both hosts with target_session_attrs=read-write.
Writers run through a server; the primary is killed (immediate stop, as a crash) part way, the standby is
promoted, and the writers go on. Then every version the server acknowledged must be in the promoted
catalogue, the server must be writing again without a restart, and the audit log must still check out.
Run: tests/pg/pg-env run --standby -- python3 tests/pg/failover.py path/to/coldvault
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import cluster  # noqa: E402

cluster.skip_unless_ready()
if not os.environ.get("PG_ENV_STANDBY_PORT"):
    print("skipped: run under tests/pg/pg-env run --standby")
    sys.exit(77)
check = cluster.check


def pg_ctl(*args):
    subprocess.run(["runuser", "-u", "postgres", "--", os.environ["PG_ENV_BIN"] + "/pg_ctl", *args], check=True,
                   capture_output=True)


primary_url = cluster.create_database("failover")
time.sleep(0.5)  # the standby replays CREATE DATABASE
host = primary_url.split("@", 1)[1].split("/", 1)[0]
url = "postgresql://postgres@%s,127.0.0.1:%s/failover?target_session_attrs=read-write&connect_timeout=2" % (
    host, os.environ["PG_ENV_STANDBY_PORT"])
work = tempfile.mkdtemp(prefix="cv-pgfo-")
home = work + "/node1"
cluster.cv(home, "init", "--vault-name", "main", "--catalog", url)
token = json.loads(cluster.cv(home, "token", "create", "--vault-name", "main", "--permissions", "all").stdout)["token"]
server = cluster.Serve(home)
acked, failed, after = [], [], []
lock = threading.Lock()
stop = threading.Event()
promoted = threading.Event()


def writer(t):
    n = 0
    while not stop.is_set():
        name = "s%d" % (n % 3)
        status, body = server.call(token, "PUT", "/secrets/%s?api-version=7.4" % name, {"value": "w%d-%d" % (t, n)})
        with lock:
            if status == 200:
                acked.append((name, body["id"].rsplit("/", 1)[1]))
                if promoted.is_set():
                    after.append(1)
            else:
                failed.append(status)
        n += 1


threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
try:
    for th in threads:
        th.start()
    time.sleep(3)
    before = len(acked)
    pg_ctl("-D", os.environ["PG_ENV_PRIMARY_DATA"], "-m", "immediate", "stop")
    killed_at = len(acked)
    time.sleep(1)
    pg_ctl("-D", os.environ["PG_ENV_STANDBY_DATA"], "-w", "promote")
    promoted.set()
    deadline = time.time() + 60
    while time.time() < deadline and len(after) < 50:
        time.sleep(0.2)
    stop.set()
    for th in threads:
        th.join()
    print("acknowledged %d before the kill, %d by the kill, %d after promotion; %d refused (%s)" % (
        before, killed_at, len(after), len(failed), sorted(set(failed))))
    check(before > 0, "writes were acknowledged before the primary was killed")
    check(len(after) >= 50, "the server writes again after the promotion, without a restart")
    check(all(s in (500, 503, 0) for s in failed), "writes refused during the outage got 5xx, nothing else")
    listed = {}
    for name in {n for n, _ in acked}:
        listed[name] = cluster.version_ids(server, token, name)
    missing = [(n, v) for n, v in acked if v not in listed[n]]
    check(not missing, "every acknowledged version is in the promoted catalogue (%d acknowledged, %d missing)" % (
        len(acked), len(missing)))
    check(all(len(v) == len(set(v)) for v in listed.values()), "no version id listed twice")
finally:
    stop.set()
    server.stop()
out = cluster.cv(home, "audit", "checkpoint", check=False)
check(out.returncode == 0, "the audit log checks out as one tree after the failover (%s)" % out.stderr.strip()[:300])
cluster.finish()
