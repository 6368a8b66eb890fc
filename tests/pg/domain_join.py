"""Issue 21: a second node joins a shared PostgreSQL catalogue through the domain-transfer ceremony alone (no copied
token folder). Node 1 makes the catalogue; three custodians on their own SoftHSM tokens, quorum 2; node 2 is a
fresh embedded token (`init --join --catalog URL`, `domain import`). Checks:
  - the import reports a shared catalogue and brings vault main's master key; nothing else of the catalogue changes;
  - node 2 reads node 1's secret and decrypts what node 1's key encrypted; node 1 reads what node 2 writes,
    through the CLI and through two `serve` processes;
  - node 2 signs audit checkpoints with the transferred audit key and the whole log checks out from both nodes;
  - a vault made on node 1 after the join is refused on node 2 with a 503-class error naming the missing key, and
    a second transfer brings only that vault's keys; the same file again changes nothing (Conflict);
  - a plain `init` over the catalogue is still refused.
Run: tests/pg/pg-env run -- python3 tests/pg/domain_join.py path/to/coldvault
"""
import base64
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import cluster  # noqa: E402

cluster.skip_unless_ready()
check = cluster.check
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


work = tempfile.mkdtemp(prefix="cv-pgjoin-")
url = cluster.create_database("domainjoin")
home1, home2 = work + "/node1", work + "/node2"


def cvj(home, *args):
    return json.loads(cluster.cv(home, *args).stdout)


def custodian(name, *args):
    """A coldvault command on custodian `name`'s own token (no home)."""
    d = os.path.join(work, "cust", name)
    env = {**os.environ, "SOFTHSM2_CONF": d + "/softhsm2.conf", "COLDVAULT_OUTPUT_SHAPE": "rest"}
    env.pop("COLDVAULT_HOME", None)
    out = subprocess.run([cluster.CV, *args, "--pin-file", d + "/pin"], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError("custodian %s: %s: %s" % (name, " ".join(args), out.stderr.strip()))
    return out


def make_custodian(name):
    d = os.path.join(work, "cust", name)
    os.makedirs(os.path.dirname(d), exist_ok=True)
    for kind in ("so", "pin"):
        with open("%s.%s" % (d, kind), "w") as f:
            f.write("%s-%s\n" % (name, kind))
    subprocess.run([ROOT + "/hsm/provision-token", "--so-pin-file", d + ".so", "--pin-file", d + ".pin", d, name],
                   check=True, capture_output=True)
    with open(d + ".pin") as src, open(d + "/pin", "w") as dst:
        dst.write(src.read())
    custodian(name, "custodian", "enroll", "--token", name, "--label", name, "--out", os.path.join(work, name + ".pem"))


def transfer(tag, catalogue_keys=True, home=None):
    """A domain export at node 1 and two decrypted shares: (file, [share files], export report)."""
    f = os.path.join(work, tag + ".cvsd")
    args = ["domain", "export", "--quorum", "2", "--file", f, "--so-pin-file", work + "/so.pin"]
    if catalogue_keys:
        args.append("--with-catalogue-keys")
    for c in ("alice", "bob", "carol"):
        args += ["--custodian", os.path.join(work, c + ".pem")]
    rep = cvj(home or home1, *args)
    shares = []
    for c in ("alice", "carol"):
        s = os.path.join(work, "%s-%s.share" % (tag, c))
        custodian(c, "custodian", "decrypt-share", "--file", f, "--token", c, "--out", s)
        shares.append(s)
    return f, shares, rep


with open(work + "/so.pin", "w") as f:
    f.write("node1-so-pin\n")
cluster.cv(home1, "init", "--vault-name", "main", "--catalog", url, "--so-pin-file", work + "/so.pin")
cluster.cv(home1, "secret", "set", "--vault-name", "main", "--name", "app", "--value", "made-on-node-1")
cluster.cv(home1, "key", "create", "--vault-name", "main", "--name", "kek", "--kty", "RSA", "--size", "2048")
plain = base64.urlsafe_b64encode(b"hello shared catalogue").decode().rstrip("=")
ct = cvj(home1, "key", "encrypt", "--vault-name", "main", "--name", "kek", "--algorithm", "RSA-OAEP",
         "--value", plain)["value"]
for c in ("alice", "bob", "carol"):
    make_custodian(c)

# A plain init over the catalogue stays refused; a joining one is allowed.
refused = cluster.cv(work + "/other", "init", "--vault-name", "other", "--catalog", url, check=False)
check(refused.returncode == 4 and "--join" in refused.stderr, "a plain init over the shared catalogue is refused (%d: %s)"
      % (refused.returncode, refused.stderr.strip()[:300]))
cluster.cv(home2, "init", "--join", "--catalog", url)
before = cluster.psql(url, "SELECT count(*) FROM vaults") + "/" + cluster.psql(url, "SELECT count(*) FROM trusted_signers")

# A transfer without the catalogue keys (what a home with its own catalogue gets) cannot add a node.
f0, shares0, exp0 = transfer("plain", catalogue_keys=False)
check(exp0["mastersMoved"] == [] and not exp0["integrityKeyMoved"], "a plain export carries no catalogue keys")
plain_import = cluster.cv(home2, "domain", "import", "--file", f0, "--share", shares0[0], "--share", shares0[1],
                          check=False)
check(plain_import.returncode == 2 and "carries no catalogue keys" in plain_import.stderr,
      "joining with it is refused, saying why (%d: %s)" % (plain_import.returncode, plain_import.stderr.strip()[:200]))
f1, shares1, exp1 = transfer("first")
check(exp1["mastersMoved"] == ["main"] and exp1["integrityKeyMoved"] and exp1["auditKeyMoved"],
      "the export carries main's master key, the integrity and the audit key (%s)" % exp1)
imp = cvj(home2, "domain", "import", "--file", f1, "--share", shares1[0], "--share", shares1[1])
check(imp["sharedCatalogue"] is True and imp["mastersImported"] == ["main"] and imp["vaultsUnreadable"] == [],
      "node 2 joins the shared catalogue with vault main (%s)" % imp)
after = cluster.psql(url, "SELECT count(*) FROM vaults") + "/" + cluster.psql(url, "SELECT count(*) FROM trusted_signers")
check(before == after, "the join adds no vault and no signer to the catalogue (%s -> %s)" % (before, after))
members = cvj(home2, "domain", "show")
check(len(members.get("tokens", [])) >= 2, "domain show on node 2 lists both tokens (%s)" % members.get("tokens"))

# Node 2 reads node 1's objects, node 1 reads node 2's.
shown = cvj(home2, "secret", "show", "--vault-name", "main", "--name", "app")
check(shown["value"] == "made-on-node-1", "node 2 reads node 1's secret")
dec = cvj(home2, "key", "decrypt", "--vault-name", "main", "--name", "kek", "--algorithm", "RSA-OAEP", "--value", ct)
check(dec["value"] == plain, "node 2 decrypts what node 1's key encrypted")
cluster.cv(home2, "secret", "set", "--vault-name", "main", "--name", "app", "--value", "made-on-node-2")
check(cvj(home1, "secret", "show", "--vault-name", "main", "--name", "app")["value"] == "made-on-node-2",
      "node 1 reads the version node 2 wrote")

token = cvj(home1, "token", "create", "--vault-name", "main", "--permissions", "all")["token"]
nodes = [cluster.Serve(home1), cluster.Serve(home2)]
try:
    for i, node in enumerate(nodes):
        status, body = node.call(token, "PUT", "/secrets/rest%d?api-version=7.4" % i, {"value": "via-node-%d" % (i + 1)})
        check(status == 200, "PUT through node %d (%d)" % (i + 1, status))
    for i, node in enumerate(nodes):
        other = 1 - i
        status, body = node.call(token, "GET", "/secrets/rest%d?api-version=7.4" % other)
        check(status == 200 and body["value"] == "via-node-%d" % (other + 1),
              "node %d serves the secret written through node %d" % (i + 1, other + 1))
finally:
    for n in nodes:
        n.stop()

# The audit log: node 2 signs a checkpoint with the transferred key; both nodes rehash the whole log.
cp2 = cluster.cv(home2, "audit", "checkpoint", check=False)
check(cp2.returncode == 0, "node 2 signs an audit checkpoint (%s)" % cp2.stderr.strip()[:200])
cp1 = cluster.cv(home1, "audit", "checkpoint", check=False)
check(cp1.returncode == 0, "node 1 checks the log including node 2's checkpoint (%s)" % cp1.stderr.strip()[:200])

# A vault made after the join: refused on node 2, naming the key, until a second transfer brings it.
cluster.cv(home1, "vault", "create", "--vault-name", "late")
cluster.cv(home1, "secret", "set", "--vault-name", "late", "--name", "s", "--value", "late-value")
miss = cluster.cv(home2, "secret", "show", "--vault-name", "late", "--name", "s", check=False)
check(miss.returncode == 10 and "holds no master key of vault 'late'" in miss.stderr,
      "node 2 refuses the later vault with HsmUnavailable naming the key (%d: %s)" % (miss.returncode, miss.stderr.strip()[:200]))
f2, shares2, exp2 = transfer("second")
imp2 = cvj(home2, "domain", "import", "--file", f2, "--share", shares2[0], "--share", shares2[1])
check(imp2["mastersImported"] == ["late"], "the second import brings only vault late's keys (%s)" % imp2["mastersImported"])
check(cvj(home2, "secret", "show", "--vault-name", "late", "--name", "s")["value"] == "late-value",
      "node 2 reads the later vault after the second import")
again = cluster.cv(home2, "domain", "import", "--file", f2, "--share", shares2[0], "--share", shares2[1], check=False)
check(again.returncode == 4 and "carries no vault keys it lacks" in again.stderr,
      "the same file again is a Conflict that changes nothing (%d)" % again.returncode)
check(cvj(home2, "secret", "show", "--vault-name", "main", "--name", "app")["value"] == "made-on-node-2",
      "node 2 still reads vault main")

# The later vault purged through node 1 and made again: node 2's keys are the earlier vault's. It refuses rather
# than use them, and the next import replaces them.
cluster.cv(home1, "vault", "delete", "--vault-name", "late")
cluster.cv(home1, "vault", "purge", "--vault-name", "late")
cluster.cv(home1, "vault", "create", "--vault-name", "late")
cluster.cv(home1, "secret", "set", "--vault-name", "late", "--name", "s", "--value", "second-late-value")
stale = cluster.cv(home2, "secret", "show", "--vault-name", "late", "--name", "s", check=False)
check(stale.returncode == 10 and "keys of an earlier vault named 'late'" in stale.stderr,
      "node 2 refuses the remade vault instead of using the earlier one's keys (%d: %s)"
      % (stale.returncode, stale.stderr.strip()[:200]))
f3, shares3, _ = transfer("third")
imp3 = cvj(home2, "domain", "import", "--file", f3, "--share", shares3[0], "--share", shares3[1])
check(imp3["mastersImported"] == ["late"], "the third import replaces the remade vault's keys (%s)" % imp3["mastersImported"])
check(cvj(home2, "secret", "show", "--vault-name", "late", "--name", "s")["value"] == "second-late-value",
      "node 2 reads the remade vault")

# Another catalogue of the same domain (a home that imported the domain into its own database and took over
# vault main's signing certificate, with a master key of its own): its file must not give node 2 its keys.
url_b = cluster.create_database("domainjoin_b")
home_b = work + "/other-catalogue"
cluster.cv(home_b, "init", "--join", "--catalog", url_b, "--so-pin-file", work + "/so.pin")
fb0, sb0, _ = transfer("to-b", catalogue_keys=False)
cluster.cv(home_b, "domain", "import", "--file", fb0, "--share", sb0[0], "--share", sb0[1])
cluster.cv(home_b, "vault", "create", "--vault-name", "main")  # vault main's certificate, B's own master key
fb, sb, _ = transfer("from-b", home=home_b)
home3 = work + "/node3"
cluster.cv(home3, "init", "--join", "--catalog", url)
foreign = cluster.cv(home3, "domain", "import", "--file", fb, "--share", sb[0], "--share", sb[1], check=False)
check(foreign.returncode in (4, 8) and "another catalog" in foreign.stderr,
      "a file of another catalogue of the domain is refused (%d: %s)" % (foreign.returncode, foreign.stderr.strip()[:200]))
again_b = cluster.cv(home2, "domain", "import", "--file", fb, "--share", sb[0], "--share", sb[1], check=False)
check(again_b.returncode == 8 and "does not authenticate this catalogue's signer registry" in again_b.stderr,
      "into node 2 (which holds the domain) its integrity key is refused (%d: %s)"
      % (again_b.returncode, again_b.stderr.strip()[:200]))
still = cluster.cv(home3, "secret", "show", "--vault-name", "main", "--name", "app", check=False)
check(still.returncode != 0, "and node 3 took nothing of it (%d)" % still.returncode)
fr, sr, _ = transfer("node3")
cluster.cv(home3, "domain", "import", "--file", fr, "--share", sr[0], "--share", sr[1])
check(cvj(home3, "secret", "show", "--vault-name", "main", "--name", "app")["value"] == "made-on-node-2",
      "node 3 then joins with a file of this catalogue")

cluster.finish()
