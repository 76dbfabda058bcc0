"""Runs a command and prints, as JSON, the CPU time (user + system) it and all the processes it
waited for used, and its wall time: `python3 bench/rusage.py CMD ARGS…`. The command's own
output goes to stderr of this script, so stdout carries only the JSON line."""
import json
import resource
import subprocess
import sys
import time

start = time.monotonic()
proc = subprocess.run(sys.argv[1:], stdout=sys.stderr, stderr=subprocess.PIPE)
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
print(json.dumps({"cpu_s": usage.ru_utime + usage.ru_stime, "wall_s": wall, "exit": proc.returncode,
                  "stderr": proc.stderr.decode("utf-8", "replace")}))
