"""Starts `coldvault serve --ephemeral` and hands its printed environment to the Azure SDK for Python.

COLDVAULT_BIN names the binary (ctest passes it). The client code is the SDK's own, unchanged:
DefaultAzureCredential (through the managed-identity endpoint) and challenge-resource verification ON.

Test-side only: glibc without nss-myhostname does not resolve `<vault>.localhost` (systemd-resolved,
macOS and browsers do), so this process resolves `*.localhost` to 127.0.0.1, as those systems would.
"""
import json
import os
import signal
import socket
import subprocess
import tempfile

CV = os.environ.get("COLDVAULT_BIN")
if not CV:
    raise SystemExit("set COLDVAULT_BIN to the coldvault binary")

_real_getaddrinfo = socket.getaddrinfo


def _getaddrinfo(host, *args, **kwargs):
    if isinstance(host, str) and host.lower().endswith(".localhost"):
        host = "127.0.0.1"
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo


_databases = [0]


def catalog_args():
    """Under tests/pg/pg-env ($COLDVAULT_TEST_POSTGRES): --catalog with a new database of that cluster (ADR
    0023); else nothing (the SQLite file in the throwaway home)."""
    base = os.environ.get("COLDVAULT_TEST_POSTGRES")
    if not base:
        return []
    name = "cv_sdkpy_%d_%d" % (os.getpid(), _databases[0])
    _databases[0] += 1
    subprocess.run(["psql", "-X", "-q", base + "/postgres", "-c", "CREATE DATABASE " + name], check=True,
                   capture_output=True)
    return ["--catalog", base + "/" + name]


class Server:
    def __init__(self, vaults=("pyvault", "pyother"), extra=()):
        self.tmp = tempfile.mkdtemp(prefix="cv-sdkpy-")
        catalog = catalog_args()
        self.catalog_url = catalog[1] if catalog else None
        args = [CV, "serve", "--ephemeral", "--port", "0"] + catalog
        for v in vaults:
            args += ["--vault-name", v]
        self.proc = subprocess.Popen(args + list(extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env={**os.environ, "TMPDIR": self.tmp}, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("server did not start: " + self.proc.stderr.read())
        self.info = json.loads(line)
        self.saved = {k: os.environ.get(k) for k in self.info["env"]}
        os.environ.update(self.info["env"])  # what a user would export
        self.urls = self.info["vaults"]

    def stop(self):
        """Stops the server; returns its count of 5xx answers."""
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=60)
        self.stderr = err
        left = os.listdir(self.tmp)
        os.rmdir(self.tmp)
        if left:
            raise AssertionError(f"the ephemeral home was left behind: {left}")
        if self.catalog_url:
            # The throwaway home's tables go with it, so the URL can serve the next run.
            tables = subprocess.run(["psql", "-X", "-At", self.catalog_url, "-c",
                                     "SELECT count(*) FROM pg_tables WHERE schemaname='public' AND tablename<>'coldvault_state'"],
                                    check=True, capture_output=True, text=True).stdout.strip()
            if tables != "0":
                raise AssertionError(f"the ephemeral catalogue kept {tables} tables after the server stopped")
        for line in err.splitlines():
            if "server errors (5xx)" in line:
                return int(line.split("stopped; ")[1].split()[0])
        return -1
