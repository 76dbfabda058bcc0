/**
 * The file I/O of a report, so that every writer stays pure: where the report goes (-o, a
 * directory, the format's default file name or stdout), writing it there, the line that says
 * where it went, and opening it in a browser (`--browser`).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Profile } from '../model/profile.js';
import { cannotWrite } from '../session/errors.js';
import type { SourceFile } from './heatmap.js';
import { OUTPUT_FORMATS, type OutputFormat, type OutputFormatName, type OutputOptions } from './index.js';

/** Where a report's text goes: stdout, and one line per written file on stderr. */
export interface ReportIo {
  stdout(text: string): void;
  stderr(line: string): void;
}

export interface ReportRequest {
  format: OutputFormatName;
  /** `-o`: a file, a directory to put the default file name in, or undefined. */
  output: string | undefined;
  outputOptions: OutputOptions;
}

/** Reads the target's source files the report shows (the heatmap's pages, the flamegraph's tooltips). */
export type SourceReader = (files: readonly string[]) => Map<string, SourceFile>;

/** The file `-o` names for a report of `spec`; undefined for stdout. */
export function resolveOutputPath(spec: Pick<OutputFormat, 'defaultFileName' | 'stdoutByDefault' | 'directory'>, output: string | undefined, pid: number): string | undefined {
  if (output === undefined) return spec.stdoutByDefault ? undefined : spec.defaultFileName(pid);
  if (spec.directory) return output.replace(/\.html?$/i, '') || output;
  try {
    if (statSync(output).isDirectory()) return path.join(output, spec.defaultFileName(pid));
  } catch {
    // Not an existing directory: a file name.
  }
  return output;
}

/** Writes the report; returns where it went (undefined: stdout). */
export function writeReport(profile: Profile, request: ReportRequest, io: ReportIo, readSources: SourceReader): string | undefined {
  const spec = OUTPUT_FORMATS[request.format];
  const target = resolveOutputPath(spec, request.output, profile.meta.target.pid);
  const outputOptions = spec.sourceFiles ? { ...request.outputOptions, sources: readSources(spec.sourceFiles(profile)) } : request.outputOptions;
  const data = spec.write(profile, outputOptions, target !== undefined);
  if (target === undefined) {
    io.stdout(typeof data === 'string' ? data : Buffer.from(data as Uint8Array).toString('utf8'));
    return undefined;
  }
  try {
    if (data instanceof Map) {
      mkdirSync(target, { recursive: true });
      for (const [name, content] of data) writeFileSync(path.join(target, name), content);
    } else {
      mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
      writeFileSync(target, data);
    }
  } catch (error) {
    throw cannotWrite(target, (error as NodeJS.ErrnoException).code ?? String(error));
  }
  io.stderr(spec.writtenMessage(target, profile));
  return target;
}

/**
 * Starts the browser on a written report (the file, or a directory's entry page) and waits only
 * until it has started; a browser that cannot be started is a warning, not a failure.
 */
export function openInBrowser(command: string, format: OutputFormatName, written: string, io: ReportIo): Promise<void> {
  const entry = OUTPUT_FORMATS[format].browserEntry;
  if (entry === undefined) return Promise.resolve();
  const file = path.resolve(written, entry);
  const url = `file://${file.split('/').map(encodeURIComponent).join('/')}`;
  const warn = (why: string): void => io.stderr(`tachyon: warning: could not open a browser (${why}); open ${url} yourself, or set BROWSER`);
  return new Promise((resolve) => {
    try {
      const child = spawn(command, [url], { detached: true, stdio: 'ignore' });
      child.once('spawn', () => {
        child.unref();
        resolve();
      });
      child.once('error', (error: NodeJS.ErrnoException) => {
        warn(`${command}: ${error.code ?? error.message}`);
        resolve();
      });
    } catch (error) {
      warn(`${command}: ${(error as Error).message}`);
      resolve();
    }
  });
}
