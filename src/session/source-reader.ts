/**
 * The child process that reads a target's source files: a few lines of plain JavaScript run by
 * this very Node (`node -e`), which first takes the identity it is given (the target's user, or
 * nobody) and then opens each file without side effects (`O_PATH`), accepts regular files only,
 * and reads at most a size limit from the same open file. One child reads every file of a report.
 */
import { spawnSync } from 'node:child_process';

/** Who the reader is while it reads: ids as in /proc/PID/status (our user namespace's). */
export interface ReaderIdentity {
  uid: number;
  gid: number;
  groups: number[];
}

/** One file's outcome as the child reports it. */
export type ReaderResult = { text: string } | { errno: string } | { notRegular: true } | { sizeBytes: number };

export interface ReaderRequest {
  /** Paths as the child sees them (its fd 3 is the target's root, fd 4 its working directory). */
  paths: string[];
  maxBytes: number;
  /** Undefined: read as this process's own user. */
  identity: ReaderIdentity | undefined;
}

/** The whole read of one report takes at most this long; a file on a stuck mount costs no more. */
const READER_TIMEOUT_MS = 30_000;
/** Output of the child: every file at its limit would not fit, and does not have to. */
const READER_OUTPUT_MAX_BYTES = 256 * 1024 * 1024;
/** The child's exit code when it could not become the identity it was given. */
const IDENTITY_NOT_TAKEN = 9;

/**
 * The child. `O_PATH` (0o10000000 on every Linux port Node runs on except alpha, parisc and sparc)
 * opens without opening the file itself: a FIFO does not block, a device sees no open. Reopening
 * `/proc/self/fd/N` then checks read permission like any open, with the child's credentials.
 */
const READER_SCRIPT = String.raw`
'use strict';
const fs = require('node:fs');
const { O_RDONLY, O_NONBLOCK, O_NOCTTY } = fs.constants;
const O_PATH = 0o10000000;
const request = JSON.parse(fs.readFileSync(0, 'utf8'));
const id = request.identity;
if (id) {
  process.setgroups(id.groups);
  process.setgid(id.gid);
  process.setuid(id.uid);
  const taken = process.getuid() === id.uid && process.geteuid() === id.uid && process.getgid() === id.gid && process.getegid() === id.gid;
  if (!taken) process.exit(${IDENTITY_NOT_TAKEN});
}
function readLimited(fd, maxBytes) {
  const chunks = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(Math.min(1 << 20, maxBytes + 1 - total));
    const n = fs.readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) return { text: Buffer.concat(chunks).toString('utf8') };
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > maxBytes) return { sizeBytes: total };
  }
}
function readOne(where, maxBytes) {
  const opened = [];
  try {
    const handle = fs.openSync(where, O_PATH);
    opened.push(handle);
    const stat = fs.fstatSync(handle);
    if (!stat.isFile()) return { notRegular: true };
    if (stat.size > maxBytes) return { sizeBytes: stat.size };
    const fd = fs.openSync('/proc/self/fd/' + handle, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    opened.push(fd);
    return readLimited(fd, maxBytes);
  } catch (error) {
    return { errno: error.code || String(error) };
  } finally {
    for (const fd of opened) fs.closeSync(fd);
  }
}
process.stdout.write(JSON.stringify(request.paths.map((where) => readOne(where, request.maxBytes))));
`;

/**
 * Runs the child once for `request`; `rootFd` and `cwdFd` become its fds 3 and 4. Returns one
 * result per path, or why the child gave none.
 */
export function runSourceReader(request: ReaderRequest, rootFd: number | undefined, cwdFd: number | undefined): ReaderResult[] | { failed: string } {
  const child = spawnSync(process.execPath, ['-e', READER_SCRIPT], {
    input: JSON.stringify(request),
    stdio: ['pipe', 'pipe', 'pipe', rootFd ?? 'ignore', cwdFd ?? 'ignore'],
    env: {},
    timeout: READER_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: READER_OUTPUT_MAX_BYTES,
  });
  if (child.error !== undefined) return { failed: (child.error as NodeJS.ErrnoException).code ?? child.error.message };
  if (child.status === IDENTITY_NOT_TAKEN) return { failed: `could not take uid ${request.identity?.uid}` };
  if (child.status !== 0) return { failed: child.signal ?? `exit ${child.status}: ${String(child.stderr).trim().split('\n').pop() ?? ''}` };
  try {
    const results = JSON.parse(String(child.stdout)) as ReaderResult[];
    return results.length === request.paths.length ? results : { failed: 'short answer' };
  } catch {
    return { failed: 'unreadable answer' };
  }
}
