/**
 * Runs one profiled (or bare) workload and measures it from outside: the CPU and peak memory of
 * every process in its tree, polled from /proc, and what it printed. The workload's own closing
 * JSON line (bench/workloads/_report.py) names the target process, so everything else in the
 * tree is the profiler.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const POLL_MS = 100;
/**
 * Runs longer than this are killed and reported as such: a workload runs for 2 s or less bare, so
 * a profiler that stretches it past 15 s (py-spy pausing the target at 10 kHz on this VM) has a
 * figure of its own to report, and a hung one must not hang the benchmark.
 */
export const TIMEOUT_MS = 15_000;

/**
 * CPU seconds each thread of one process has run so far (tid → seconds), from the scheduler's
 * nanosecond counters (/proc/PID/task/TID/schedstat); null once the process is gone. Tick-based
 * utime/stime would round a process that wakes 1,000 times a second for a few microseconds to
 * whole ticks. Per thread, because a thread that ends takes its counter with it.
 */
function threadCpuS(pid) {
  try {
    const byThread = new Map();
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        byThread.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9);
      } catch {
        // The thread ended between readdir and read.
      }
    }
    return byThread;
  } catch {
    return null;
  }
}

const sum = (values) => [...values].reduce((n, v) => n + v, 0);

/** Peak resident set (VmHWM) of one process, in bytes; null once it is gone. */
function peakRssBytes(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The process's command name (/proc/PID/comm); '?' once it is gone. */
function processName(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** Parent pid → child pids, for every process on the machine (one pass over /proc). */
function childrenByParent() {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // Gone between readdir and read.
    }
  }
  return children;
}

function descendants(root) {
  const children = childrenByParent();
  const all = [];
  const queue = [root];
  while (queue.length > 0 && all.length < 64) {
    const pid = queue.shift();
    for (const child of children.get(pid) ?? []) {
      all.push(child);
      queue.push(child);
    }
  }
  return all;
}

/** The workload's closing JSON line, or null when it printed none (it or its profiler failed). */
export function workloadResult(output) {
  for (const line of output.split('\n').reverse()) {
    if (!line.startsWith('{"bench"')) continue;
    try {
      return JSON.parse(line);
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Runs `argv` and returns its exit code, its output (stdout and stderr together), the
 * workload's result, and, for the processes other than the target: their CPU seconds, the CPU
 * rate after `steadyAfterS` (steady state, start-up left out) and their peak RSS, summed and per
 * process name.
 */
export function measureRun(argv, { steadyAfterS = 1 } = {}) {
  return new Promise((resolve) => {
    const startMs = performance.now();
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    /**
     * pid → { threads: tid → last CPU seconds seen, peakRssBytes, lastTimeS, steady: [timeS,
     * CPU seconds] at the first poll after steadyAfterS }
     */
    const seen = new Map();
    const record = (pid) => {
      const threads = threadCpuS(pid);
      const rss = peakRssBytes(pid);
      if (threads === null) return;
      const timeS = (performance.now() - startMs) / 1000;
      const entry = seen.get(pid) ?? { name: '?', threads: new Map(), peakRssBytes: 0, steady: null, lastTimeS: timeS, history: [] };
      // The latest name: a process seen before its exec (chroot, the dynamic loader) is named for what it became.
      const name = processName(pid);
      if (name !== '?') entry.name = name;
      for (const [tid, cpuS] of threads) entry.threads.set(tid, cpuS);
      entry.lastTimeS = timeS;
      if (rss !== null) entry.peakRssBytes = Math.max(entry.peakRssBytes, rss);
      if (entry.steady === null && timeS >= steadyAfterS) entry.steady = [timeS, sum(entry.threads.values())];
      entry.history.push([timeS, sum(entry.threads.values())]);
      seen.set(pid, entry);
    };
    const poll = () => {
      record(child.pid);
      for (const pid of descendants(child.pid)) record(pid);
    };
    const timer = setInterval(poll, POLL_MS);
    let timedOut = false;
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    poll();
    child.once('close', (code, signal) => {
      clearInterval(timer);
      clearTimeout(killer);
      const wallS = (performance.now() - startMs) / 1000;
      const result = workloadResult(output);
      const profiler = [...seen.entries()].filter(([pid]) => pid !== result?.pid).map(([, e]) => ({ ...e, cpuS: sum(e.threads.values()) }));
      const cpuS = sum(profiler.map((e) => e.cpuS));
      // Steady state: from each process's first poll after steadyAfterS to its last poll while
      // the target was still alive, so that start-up and the report writing after the target
      // exits (a one-time cost, like start-up) stay out of the rate.
      const target = result?.pid !== undefined ? seen.get(result.pid) : undefined;
      const endS = target?.lastTimeS ?? Infinity;
      let steadyCpuS = 0;
      let steadySpanS = 0;
      for (const e of profiler) {
        if (e.steady === null || e.steady[0] > endS) continue;
        const last = e.history.filter(([timeS]) => timeS <= endS).pop() ?? e.steady;
        steadyCpuS += last[1] - e.steady[1];
        steadySpanS = Math.max(steadySpanS, last[0] - e.steady[0]);
      }
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        timedOut,
        output,
        wallS,
        result,
        profilerCpuS: cpuS,
        steadyCpuPct: steadySpanS >= 0.3 ? (steadyCpuS / steadySpanS) * 100 : NaN,
        profilerPeakRssBytes: profiler.reduce((n, e) => n + e.peakRssBytes, 0),
        /** Peak RSS per profiler process name (summed over processes of the same name). */
        peakRssByProcess: profiler.reduce((m, e) => ({ ...m, [e.name]: (m[e.name] ?? 0) + e.peakRssBytes }), {}),
      });
    });
  });
}
