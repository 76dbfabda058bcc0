/**
 * The I/O the HTML reports need, done at the edge so their writers stay pure: the templates under
 * `templates/` and d3's bundle from its npm package, and the target's source files for the
 * heatmap, read the way the target sees them (through `/proc/PID/root` and `/proc/PID/cwd`, held
 * open from the moment of attaching so a chrooted target's files stay readable after it exits).
 */
import { closeSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ReportAssets } from '../output/html-page.js';
import type { SourceFile } from '../output/heatmap.js';
import { ExitCode, TachyonError } from '../session/errors.js';
import { packageRoot } from '../session/helper-path.js';

export function loadReportAssets(): ReportAssets {
  const dir = path.join(packageRoot(), 'templates');
  try {
    const templates: Record<string, string> = {};
    for (const name of readdirSync(dir)) templates[name] = readFileSync(path.join(dir, name), 'utf8');
    const require = createRequire(import.meta.url);
    const d3Dir = path.dirname(require.resolve('d3'));
    const d3Source = readFileSync(path.join(d3Dir, 'd3.min.js'), 'utf8');
    const d3Version = (JSON.parse(readFileSync(path.join(d3Dir, '..', 'package.json'), 'utf8')) as { version: string }).version;
    return { templates, d3Source, d3Version };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new TachyonError(ExitCode.fileError, `cannot read the report templates or d3 (${reason})`, 'reinstall tachyon: run npm ci in its directory');
  }
}

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
    if (file === '' || file.startsWith('<') || file.startsWith('[')) return { error: 'not a file (code made at run time or frozen into the interpreter)' };
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

  close(): void {
    for (const fd of [this.rootFd, this.cwdFd]) if (fd !== undefined) closeSync(fd);
    this.rootFd = this.cwdFd = undefined;
  }
}
