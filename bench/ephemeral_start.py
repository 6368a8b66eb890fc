#!/usr/bin/python3
"""Time from exec of `coldvault serve --ephemeral` to its ready line, beside `coldvault init` alone, same run.

Usage: bench/ephemeral_start.py [path/to/coldvault] [N]   (default build/coldvault, N=10; medians printed)
"ready" = the JSON line on stdout (the ready line on stderr follows it at once). Each server is stopped
with SIGTERM before the next start; the stop time is measured too (it removes the temp home, and waits
for the security-domain key the server makes after it is ready). Two placements of the throwaway home:
the default (/dev/shm, memory, when TMPDIR is unset) and TMPDIR=/tmp (this machine's disk). `init` makes
its home on the disk, with the domain key in its own time.
"""
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

cv = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "build", "coldvault")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10
env_default = {k: v for k, v in os.environ.items() if k != "TMPDIR"}


def start(env):
    t0 = time.perf_counter()
    p = subprocess.Popen([cv, "serve", "--ephemeral", "--vault-name", "benchvault", "--port", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    line = p.stdout.readline()
    t1 = time.perf_counter()
    if not line:
        sys.exit("serve --ephemeral did not start")
    home = json.loads(line)["home"]
    p.send_signal(signal.SIGTERM)
    p.wait()
    t2 = time.perf_counter()
    if os.path.exists(home):
        sys.exit(f"the throwaway home {home} is still there after exit")
    return (t1 - t0) * 1000, (t2 - t1) * 1000, home


mem, disk, stops, inits, where = [], [], [], [], ""
for i in range(n):
    s, st, where = start(env_default)
    mem.append(s)
    stops.append(st)
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        disk.append(start({**os.environ, "TMPDIR": tmp})[0])
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        t0 = time.perf_counter()
        subprocess.run([cv, "init", "--vault-name", "benchvault", "--dev", "-o", "none"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "COLDVAULT_HOME": os.path.join(tmp, "home")})
        inits.append((time.perf_counter() - t0) * 1000)
med = statistics.median


def line(what, xs):
    print(f"{what} (median of {n}): {med(xs):.0f} ms (min {min(xs):.0f}, max {max(xs):.0f})")


line(f"serve --ephemeral, exec -> ready line, home in {os.path.dirname(where)}", mem)
line("serve --ephemeral, exec -> ready line, TMPDIR=/tmp (disk)", disk)
line("init alone, home on /tmp (disk)", inits)
line("SIGTERM -> exit (domain key finished, home removed)", stops)
