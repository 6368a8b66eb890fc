"""Helpers of the PostgreSQL tests (tests/pg): coldvault homes whose catalogue is one database of the
throw-away cluster tests/pg/pg-env runs, their `serve` processes, and a small REST client.

Two homes over one catalogue are two nodes: the second is a copy of the first's home (its SoftHSM token
folder copied, softhsm2.conf pointed at the copy), so each server has its own token holding the same
security domain, as an HSM cluster's members do, without the domain-transfer ceremony (tested elsewhere).
"""
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import urllib.request

CV = os.environ.get("COLDVAULT_BIN") or (os.sys.argv[1] if len(os.sys.argv) > 1 else None)
PG = os.environ.get("COLDVAULT_TEST_POSTGRES")


failures = []


def check(cond, what):
    """One TAP-like line; a failed check is remembered for finish()."""
    print(("ok - " if cond else "FAIL - ") + what)
    if not cond:
        failures.append(what)


def finish():
    print("%d failure(s)" % len(failures))
    raise SystemExit(1 if failures else 0)


def skip_unless_ready():
    if not CV:
        raise SystemExit("usage: script path/to/coldvault (or COLDVAULT_BIN)")
    if not PG:
        print("skipped: run under tests/pg/pg-env")
        raise SystemExit(77)


def psql(url, sql):
    out = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql], capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise RuntimeError("psql: " + out.stderr.strip())
    return out.stdout.strip()


def create_database(name, base=None):
    psql((base or PG) + "/postgres", "CREATE DATABASE " + name)
    return (base or PG) + "/" + name


def cv(home, *args, check=True):
    env = {**os.environ, "COLDVAULT_HOME": home, "COLDVAULT_OUTPUT_SHAPE": "rest", "COLDVAULT_EXIT_CODES": "detailed"}
    env.pop("COLDVAULT_PIN", None)
    out = subprocess.run([CV, *args], capture_output=True, text=True, env=env)
    if check and out.returncode != 0:
        raise RuntimeError("coldvault %s: exit %d: %s" % (" ".join(args), out.returncode, out.stderr.strip()))
    return out


def copy_home(src, dst):
    """A second node: the home copied, its token folder with it, softhsm2.conf pointed at the copy."""
    shutil.copytree(src, dst, symlinks=True)
    conf = os.path.join(dst, "softhsm2.conf")
    with open(conf) as f:
        text = f.read()
    text = re.sub(r"directories\.tokendir = .*", "directories.tokendir = " + os.path.join(dst, "tokens"), text)
    with open(conf, "w") as f:
        f.write(text)


class Serve:
    """`coldvault serve` of one home on a free loopback port."""

    def __init__(self, home, vault="main"):
        self.home = home
        env = {**os.environ, "COLDVAULT_HOME": home}
        env.pop("COLDVAULT_PIN", None)
        self.out = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([CV, "serve", "--vault-name", vault, "--listen", "127.0.0.1:0",
                                      "--purge-interval", "0"], stdout=subprocess.PIPE, stderr=self.out, text=True,
                                     env=env)
        for line in self.proc.stdout:
            m = re.search(r"clients must trust it\): (\S+)", line)
            if m:
                self.cert = m.group(1)
                break
            p = re.search(r"https://127\.0\.0\.1:(\d+)", line)
            if p:
                self.port = int(p.group(1))
        else:
            self.out.seek(0)
            raise RuntimeError("serve did not start: " + self.out.read())
        self.ctx = ssl.create_default_context(cafile=self.cert)
        self.ctx.check_hostname = False

    def call(self, token, method, path, body=None):
        """(status, parsed JSON or None) of one request; a connection failure is status 0."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request("https://127.0.0.1:%d%s" % (self.port, path), data=data, method=method)
        req.add_header("Authorization", "Bearer " + token)
        req.add_header("Host", "main.vault.localhost:%d" % self.port)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=60) as r:
                text = r.read()
                return r.status, json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                return e.code, json.loads(text) if text else None
            except ValueError:
                return e.code, None
        except (urllib.error.URLError, ConnectionError, socket.timeout):
            return 0, None

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def version_ids(server, token, name):
    """Every version id of secret `name`, following nextLink."""
    ids = []
    path = "/secrets/%s/versions?api-version=7.4&maxresults=25" % name
    while path:
        status, body = server.call(token, "GET", path)
        if status != 200:
            raise RuntimeError("list versions of %s: %d %s" % (name, status, body))
        ids += [v["id"].rsplit("/", 1)[1] for v in body["value"]]
        nxt = body.get("nextLink")
        path = nxt[nxt.index("/secrets/"):] if nxt else None
    return ids
