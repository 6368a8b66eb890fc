#!/usr/bin/python3
"""Time from exec of `coldvault serve --ephemeral` to its ready line, beside `coldvault init` alone, same run.

Usage: bench/ephemeral_start.py [path/to/coldvault] [N]   (default build/coldvault, N=10; medians printed)
"ready" = the JSON line on stdout (the ready line on stderr follows it at once). Each server is stopped
with SIGTERM before the next start; the stop time is measured too (it removes the temp home).
"""
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

cv = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "build", "coldvault")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10
starts, stops, inits = [], [], []
for i in range(n):
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        p = subprocess.Popen([cv, "serve", "--ephemeral", "--vault-name", "benchvault", "--port", "0"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, "TMPDIR": tmp})
        line = p.stdout.readline()
        t1 = time.perf_counter()
        if not line:
            sys.exit("serve --ephemeral did not start")
        p.send_signal(signal.SIGTERM)
        p.wait()
        t2 = time.perf_counter()
        starts.append((t1 - t0) * 1000)
        stops.append((t2 - t1) * 1000)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([cv, "init", "--vault-name", "benchvault", "--dev", "-o", "none"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "COLDVAULT_HOME": os.path.join(tmp, "home")})
        inits.append((time.perf_counter() - t0) * 1000)
med = statistics.median
print(f"serve --ephemeral, exec -> ready line (median of {n}): {med(starts):.0f} ms "
      f"(min {min(starts):.0f}, max {max(starts):.0f}); SIGTERM -> exit: {med(stops):.0f} ms")
print(f"init alone (median of {n}): {med(inits):.0f} ms (min {min(inits):.0f}, max {max(inits):.0f})")
