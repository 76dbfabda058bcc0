/**
 * The registry of output formats: name → default file name, writer and the line that says where
 * the result went. A new format is one file in this folder and one entry here; nothing upstream
 * changes. Writers are pure; `commands/record.ts` does the file I/O.
 */
import { sampleCount, type Profile } from '../model/profile.js';
import { writeCollapsed } from './collapsed.js';
import { writePstatsFile, writePstatsText, type PstatsTextOptions } from './pstats.js';

export interface OutputOptions {
  pstats: PstatsTextOptions;
}

export interface OutputFormat {
  name: string;
  /** The help text of its `--<name>` flag. */
  flagHelp: string;
  /** The stdlib's naming rule: `<format>_<pid>.<ext>`. */
  defaultFileName(pid: number): string;
  /** `toFile` is false when the result goes to stdout (only pstats does that, without -o). */
  write(profile: Profile, options: OutputOptions, toFile: boolean): string | Uint8Array;
  writtenMessage(path: string, profile: Profile): string;
  /** Whether the format prints to stdout when no -o is given. */
  stdoutByDefault: boolean;
}

export const OUTPUT_FORMATS: Record<'pstats' | 'collapsed', OutputFormat> = {
  pstats: {
    name: 'pstats',
    flagHelp: 'report as a pstats table on stdout, or a pstats file with -o (the default)',
    defaultFileName: (pid) => `pstats_${pid}.pstats`,
    write: (profile, options, toFile) => (toFile ? writePstatsFile(profile) : writePstatsText(profile, options.pstats)),
    writtenMessage: (path, profile) => `pstats file written to ${path} (${sampleCount(profile)} samples; view it with: python3 -m pstats ${path})`,
    stdoutByDefault: true,
  },
  collapsed: {
    name: 'collapsed',
    flagHelp: 'report as collapsed stacks, one "tid:N;file:func:line;… count" line per stack (default file: collapsed_PID.txt)',
    defaultFileName: (pid) => `collapsed_${pid}.txt`,
    write: (profile) => writeCollapsed(profile),
    writtenMessage: (path, profile) => `Collapsed stack output written to ${path} (${sampleCount(profile)} samples)`,
    stdoutByDefault: false,
  },
};

export type OutputFormatName = keyof typeof OUTPUT_FORMATS;

/** Every format, in the order their flags are listed in --help. */
export const OUTPUT_FORMAT_NAMES = Object.keys(OUTPUT_FORMATS) as OutputFormatName[];
