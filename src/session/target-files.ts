/**
 * Reading source files the way a target process sees them, with no more privilege than it has:
 * through `/proc/PID/root` and `/proc/PID/cwd`, held open from the moment of attaching so a
 * chrooted target's files stay readable after it exits, and, when we are root, as the target's
 * user (as nobody when no target is known). The heatmap's sources and `dump`'s source lines
 * both come from here.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SourceFile } from '../output/heatmap.js';
import { isSourceFile } from '../model/profile.js';
import { runSourceReader, type ReaderIdentity, type ReaderResult } from './source-reader.js';

/** Files bigger than this are listed as unreadable rather than embedded in a page. */
const SOURCE_SIZE_MAX_BYTES = 4 * 1024 * 1024;
/** Who reads when we are root and know of no target (a replay): what every user may read. */
export const NOBODY: ReaderIdentity = { uid: 65534, gid: 65534, groups: [] };

/** The effective uid and gid and the supplementary groups of a `/proc/PID/status` text. */
export function parseStatusIdentity(status: string): ReaderIdentity | undefined {
  const field = (name: string): number[] | undefined => {
    const line = status.split('\n').find((l) => l.startsWith(`${name}:`));
    if (line === undefined) return undefined;
    const values = line.slice(name.length + 1).trim().split(/\s+/).filter((v) => v !== '').map(Number);
    return values.every((v) => Number.isInteger(v) && v >= 0) ? values : undefined;
  };
  const uids = field('Uid');
  const gids = field('Gid');
  const groups = field('Groups') ?? [];
  if (uids === undefined || gids === undefined || uids.length < 2 || gids.length < 2) return undefined;
  return { uid: uids[1], gid: gids[1], groups };
}

/**
 * Whom the reader runs as. Not root: as ourselves (we cannot be anyone else). Root: as the
 * target's effective user, or as root for a target whose effective uid is 0, or as nobody when
 * the target's identity is unknown.
 */
export function readerIdentityFor(ourEuid: number, target: ReaderIdentity | undefined): ReaderIdentity | undefined {
  if (ourEuid !== 0) return undefined;
  if (target === undefined) return NOBODY;
  return target.uid === 0 ? undefined : target;
}

/**
 * Where the child finds `file` (as the target named it): below its fd 3 (the target's root) or
 * fd 4 (its working directory) when those are open. `..` is resolved by name first, so it cannot
 * climb out of the target's root.
 */
export function readerPath(file: string, dirs: { root: boolean; cwd: boolean }): string {
  if (path.isAbsolute(file)) return dirs.root ? `/proc/self/fd/3${path.posix.normalize(file)}` : file;
  return dirs.cwd ? `/proc/self/fd/4/${file}` : file;
}

/** The reason shown for a file the reader could not read. */
export function describeReaderResult(result: Exclude<ReaderResult, { text: string }>, identity: ReaderIdentity | undefined): string {
  if ('notRegular' in result) return 'not a regular file';
  if ('sizeBytes' in result) return `too large (${result.sizeBytes} bytes)`;
  if (result.errno === 'ENOENT') return "no such file (moved or deleted since the run, or only inside the target's container)";
  if (result.errno === 'EACCES' || result.errno === 'EPERM') {
    if (identity === NOBODY) return 'not readable by every user (as root, a replay reads as nobody)';
    return identity !== undefined ? "not readable by the target's user" : 'permission denied';
  }
  return result.errno;
}

/**
 * Reads source files as a target process sees them. Opened while the target lives: the open
 * directories of its root and working directory outlive it, and its user is noted then.
 */
export class TargetFiles {
  private rootFd: number | undefined;
  private cwdFd: number | undefined;
  private whyNoRoot = '';
  private readonly identity: ReaderIdentity | undefined;
  /** Every file read so far (one reader child per batch). */
  private readonly cache = new Map<string, SourceFile>();
  /** `sourceLine`'s files, split into lines; undefined for one that could not be read. */
  private readonly lines = new Map<string, string[] | undefined>();

  constructor(pid: number | undefined) {
    this.identity = readerIdentityFor(process.geteuid?.() ?? -1, pid === undefined ? undefined : this.open(pid));
  }

  /** Opens the target's root and working directory; returns its identity, if readable. */
  private open(pid: number): ReaderIdentity | undefined {
    let procFd: number | undefined;
    try {
      // Every look-up goes through one open /proc/PID: a recycled pid cannot swap the process.
      procFd = openSync(`/proc/${pid}`, 'r');
      const identity = parseStatusIdentity(readFileSync(`/proc/self/fd/${procFd}/status`, 'utf8'));
      try {
        this.rootFd = openSync(`/proc/self/fd/${procFd}/root`, 'r');
        this.cwdFd = openSync(`/proc/self/fd/${procFd}/cwd`, 'r');
      } catch (error) {
        this.whyNoRoot = `the target's root was not readable (${(error as NodeJS.ErrnoException).code ?? String(error)}), read from this machine's file system`;
      }
      return identity;
    } catch (error) {
      this.whyNoRoot = `the target's root was not readable (${(error as NodeJS.ErrnoException).code ?? String(error)}), read from this machine's file system`;
      return undefined;
    } finally {
      if (procFd !== undefined) closeSync(procFd);
    }
  }

  read(file: string): SourceFile {
    return this.readAll([file]).get(file) as SourceFile;
  }

  /** Reads every file not read before, in one child, and returns them all. */
  readAll(files: readonly string[]): Map<string, SourceFile> {
    const wanted = [...new Set(files)].filter((f) => !this.cache.has(f));
    for (const f of wanted) if (!isSourceFile(f)) this.cache.set(f, { error: 'not a file (code made at run time or frozen into the interpreter)' });
    const toRead = wanted.filter((f) => !this.cache.has(f));
    if (toRead.length > 0) {
      const dirs = { root: this.rootFd !== undefined, cwd: this.cwdFd !== undefined };
      const paths = toRead.map((f) => readerPath(f, dirs));
      const results = runSourceReader({ paths, maxBytes: SOURCE_SIZE_MAX_BYTES, identity: this.identity }, this.rootFd, this.cwdFd);
      toRead.forEach((f, i) => this.cache.set(f, 'failed' in results ? { error: `not read (the reader failed: ${results.failed})` } : this.sourceFileOf(results[i])));
    }
    return new Map(files.map((f) => [f, this.cache.get(f) as SourceFile]));
  }

  private sourceFileOf(result: ReaderResult): SourceFile {
    if (!('text' in result)) return { error: describeReaderResult(result, this.identity) };
    return this.whyNoRoot ? { text: result.text, note: this.whyNoRoot } : { text: result.text };
  }

  /**
   * Line `line` (1-based) of an absolute `file`, trimmed, for `dump`; undefined for a relative
   * name, an unreadable file or a blank line. Each file is read once; `readAll` first reads a
   * whole dump's files in one go.
   */
  sourceLine(file: string, line: number): string | undefined {
    if (!this.lines.has(file)) {
      const read = file.startsWith('/') ? this.read(file) : undefined;
      this.lines.set(file, read !== undefined && 'text' in read ? read.text.split('\n') : undefined);
    }
    return this.lines.get(file)?.[line - 1]?.trim() || undefined;
  }

  close(): void {
    for (const fd of [this.rootFd, this.cwdFd]) if (fd !== undefined) closeSync(fd);
    this.rootFd = this.cwdFd = undefined;
  }
}
