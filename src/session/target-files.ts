/**
 * Reading source files the way a target process sees them: through `/proc/PID/root` and
 * `/proc/PID/cwd`, held open from the moment of attaching so a chrooted target's files stay
 * readable after it exits. The heatmap's sources and `dump`'s source lines both come from here.
 */
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SourceFile } from '../output/heatmap.js';
import { isSourceFile } from '../model/profile.js';

/** Files bigger than this are listed as unreadable rather than embedded in a page. */
const SOURCE_SIZE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Reads source files as a target process sees them. Opened while the target lives: the open
 * directories of its root and working directory outlive it.
 */
export class TargetFiles {
  private rootFd: number | undefined;
  private cwdFd: number | undefined;
  private whyNoRoot = '';
  /** `sourceLine`'s files, split into lines; undefined for one that could not be read. */
  private readonly lines = new Map<string, string[] | undefined>();

  constructor(pid: number | undefined) {
    if (pid === undefined) return;
    try {
      this.rootFd = openSync(`/proc/${pid}/root`, 'r');
      this.cwdFd = openSync(`/proc/${pid}/cwd`, 'r');
    } catch (error) {
      this.whyNoRoot = `the target's root was not readable (${(error as NodeJS.ErrnoException).code ?? String(error)}), read from this machine's file system`;
    }
  }

  /** Where `file` (as the target named it) is on our side. */
  private hostPath(file: string): string {
    if (path.isAbsolute(file)) return this.rootFd !== undefined ? `/proc/self/fd/${this.rootFd}${file}` : file;
    return this.cwdFd !== undefined ? `/proc/self/fd/${this.cwdFd}/${file}` : file;
  }

  read(file: string): SourceFile {
    if (!isSourceFile(file)) return { error: 'not a file (code made at run time or frozen into the interpreter)' };
    const where = this.hostPath(file);
    try {
      const stat = statSync(where);
      if (!stat.isFile()) return { error: 'not a regular file' };
      if (stat.size > SOURCE_SIZE_MAX_BYTES) return { error: `too large (${stat.size} bytes)` };
      const text = readFileSync(where, 'utf8');
      return this.whyNoRoot ? { text, note: this.whyNoRoot } : { text };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'no such file (moved or deleted since the run, or only inside the target\'s container)' : code === 'EACCES' ? 'permission denied' : code ?? String(error);
      return { error: reason };
    }
  }

  readAll(files: readonly string[]): Map<string, SourceFile> {
    return new Map(files.map((f) => [f, this.read(f)]));
  }

  /**
   * Line `line` (1-based) of an absolute `file`, trimmed, for `dump`; undefined for a relative
   * name, an unreadable file or a blank line. Each file is read once.
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
