"""Issue 21 item 2: two `coldvault serve` nodes, each with its own token of the domain, over one PostgreSQL
catalogue, written concurrently. Checks what must hold for the catalogue to be shared:
  - every acknowledged version exists and is listed once (no lost, no duplicate version id), nothing else;
  - each object has one current version, the one with the highest sequence, and sequences do not repeat;
  - a write through one node is what the other node reads next (its read caches see the other's commit);
  - soft delete and recover through alternating nodes leave the object whole;
  - the audit log written by both nodes checks out as one tree (`audit checkpoint` rehashes it all).
Run: tests/pg/pg-env run -- python3 tests/pg/multi_writer.py path/to/coldvault
"""
import sys
import tempfile
import threading

sys.path.insert(0, __import__("os").path.dirname(__file__))
import cluster  # noqa: E402

cluster.skip_unless_ready()
check = cluster.check


work = tempfile.mkdtemp(prefix="cv-pgmw-")
url = cluster.create_database("multiwriter")
home1, home2 = work + "/node1", work + "/node2"
cluster.cv(home1, "init", "--vault-name", "main", "--catalog", url)
cluster.copy_home(home1, home2)
token = __import__("json").loads(cluster.cv(home1, "token", "create", "--vault-name", "main",
                                            "--permissions", "all").stdout)["token"]
nodes = [cluster.Serve(home1), cluster.Serve(home2)]
try:
    # Concurrent writers, each alternating between the nodes, on four shared names.
    acked = {}  # name -> [version ids acknowledged]
    errors = []
    lock = threading.Lock()

    def writer(t):
        for n in range(30):
            name = "s%d" % (n % 4)
            node = nodes[(t + n) % 2]
            status, body = node.call(token, "PUT", "/secrets/%s?api-version=7.4" % name, {"value": "w%d-%d" % (t, n)})
            with lock:
                if status == 200:
                    acked.setdefault(name, []).append(body["id"].rsplit("/", 1)[1])
                else:
                    errors.append((status, body))

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    check(not errors, "240 concurrent sets through two nodes, no error (%s)" % errors[:3])
    for name in sorted(acked):
        listed = cluster.version_ids(nodes[1], token, name)
        check(len(listed) == len(set(listed)), "%s: no version id listed twice" % name)
        check(sorted(listed) == sorted(acked[name]),
              "%s: the versions listed are exactly the %d acknowledged" % (name, len(acked[name])))
    dup = cluster.psql(url, "SELECT count(*) FROM (SELECT object_id, seq FROM versions GROUP BY object_id, seq"
                            " HAVING count(*) > 1) d")
    check(dup == "0", "no two versions of one object share a sequence number")
    wrong = cluster.psql(url, "SELECT count(*) FROM objects o WHERE o.current_version <> (SELECT v.version FROM"
                              " versions v WHERE v.object_id = o.id ORDER BY v.seq DESC LIMIT 1)")
    check(wrong == "0", "every object's current version is its newest")

    # A write through one node is read next through the other (their caches watch each other's commits).
    stale = 0
    for i in range(20):
        a, b = nodes[i % 2], nodes[(i + 1) % 2]
        b.call(token, "GET", "/secrets/hot?api-version=7.4")  # b caches what it has
        status, body = a.call(token, "PUT", "/secrets/hot?api-version=7.4", {"value": "v%d" % i})
        status2, body2 = b.call(token, "GET", "/secrets/hot?api-version=7.4")
        if status != 200 or status2 != 200 or body2.get("value") != "v%d" % i or \
                body2["id"].rsplit("/", 1)[1] != body["id"].rsplit("/", 1)[1]:
            stale += 1
            if stale == 1:
                print("  first stale read: wrote %s %s, read %s %s" % (status, body and body.get("id"), status2,
                                                                     body2 and (body2.get("id"), body2.get("value"))))
    check(stale == 0, "20 writes through one node, each read next through the other: %d stale" % stale)

    # Soft delete on one node, recover on the other, again and again.
    nodes[0].call(token, "PUT", "/secrets/flip?api-version=7.4", {"value": "x"})
    nodes[0].call(token, "PUT", "/secrets/flip?api-version=7.4", {"value": "y"})
    bad = 0
    for i in range(5):
        d, r = nodes[i % 2], nodes[(i + 1) % 2]
        s1, _ = d.call(token, "DELETE", "/secrets/flip?api-version=7.4")
        s2, _ = r.call(token, "GET", "/deletedsecrets/flip?api-version=7.4")
        s3, _ = r.call(token, "POST", "/deletedsecrets/flip/recover?api-version=7.4")
        s4, body = d.call(token, "GET", "/secrets/flip?api-version=7.4")
        if (s1, s2, s3, s4) != (200, 200, 200, 200) or body.get("value") != "y":
            bad += 1
            print("  delete/recover round %d: %s" % (i, (s1, s2, s3, s4)))
    check(bad == 0 and len(cluster.version_ids(nodes[1], token, "flip")) == 2,
          "delete on one node, recover on the other, five times: the secret whole with its 2 versions")
    # A refused request (a bad token, so no vault worker is bound) is recorded too: into the shared catalogue.
    s, _ = nodes[1].call("cva_not-a-token", "GET", "/secrets/s0?api-version=7.4")
    check(s == 401, "a bad token is refused with 401 (%d)" % s)
finally:
    for n in nodes:
        n.stop()
refused = cluster.psql(url, "SELECT count(*) FROM audit_records WHERE record LIKE '%\"status\":401%'")
check(refused != "0", "the refused request is in the shared audit log (%s records with status 401)" % refused)

out = cluster.cv(home2, "audit", "checkpoint", check=False)
check(out.returncode == 0, "the audit log both nodes wrote checks out as one tree (%s)" % out.stderr.strip()[:300])
records = int(cluster.psql(url, "SELECT count(*) FROM audit_records"))
check(records >= 240 + 60, "every request is in the audit log (%d records)" % records)
cluster.finish()
