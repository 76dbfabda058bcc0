"""Runs a command and prints, as JSON, the CPU time (user + system) it and all the processes it
waited for used, its wall time, exit status and everything it printed (stdout and stderr
together, in `output`): `python3 bench/rusage.py CMD ARGS…`."""
import json
import resource
import subprocess
import sys
import time

start = time.monotonic()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"cpu_s": usage.ru_utime + usage.ru_stime, "wall_s": wall, "exit": proc.returncode,
                  "output": proc.stdout.decode("utf-8", "replace")}))
