/**
 * The registry of output formats: name → default file name, writer and the line that says where
 * the result went. A new format is one file in this folder and one entry here; nothing upstream
 * changes. Writers are pure; `commands/record.ts` does the file I/O.
 */
import { sampleCount, type Profile } from '../model/profile.js';
import { writeCollapsed } from './collapsed.js';
import { writeFlamegraph } from './flamegraph.js';
import { heatmapSourceFiles, writeHeatmap, type SourceFile } from './heatmap.js';
import type { ReportAssets } from './html-page.js';
import { writePstatsFile, writePstatsText, type PstatsTextOptions } from './pstats.js';

export interface OutputOptions {
  pstats: PstatsTextOptions;
  /** Templates and d3 for the HTML formats, loaded by the command layer when `needsAssets`. */
  assets?: ReportAssets;
  /** The target's source texts by file name, read by the command layer when `sourceFiles` is set. */
  sources?: ReadonlyMap<string, SourceFile>;
}

function assetsOf(options: OutputOptions): ReportAssets {
  if (options.assets === undefined) throw new Error('report assets were not loaded');
  return options.assets;
}

export interface OutputFormat {
  name: string;
  /** The help text of its `--<name>` flag. */
  flagHelp: string;
  /** The stdlib's naming rule: `<format>_<pid>.<ext>`. */
  defaultFileName(pid: number): string;
  /**
   * `toFile` is false when the result goes to stdout (only pstats does that, without -o). A
   * directory format returns its files as relative path → content.
   */
  write(profile: Profile, options: OutputOptions, toFile: boolean): string | Uint8Array | Map<string, string>;
  writtenMessage(path: string, profile: Profile): string;
  /** Whether the format prints to stdout when no -o is given. */
  stdoutByDefault: boolean;
  /** The output is a directory (`-o` names the directory; a trailing `.html` is dropped). */
  directory?: boolean;
  /** Needs OutputOptions.assets (the HTML templates and d3). */
  needsAssets?: boolean;
  /** The source files it wants in OutputOptions.sources. */
  sourceFiles?(profile: Profile): string[];
  /** What `--browser` opens: '' for the written file itself, else a file inside the directory. */
  browserEntry?: string;
}

export const OUTPUT_FORMATS: Record<'pstats' | 'collapsed' | 'flamegraph' | 'heatmap', OutputFormat> = {
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
  flamegraph: {
    name: 'flamegraph',
    flagHelp: 'report as an interactive flamegraph, one HTML file that works offline (default file: flamegraph_PID.html)',
    defaultFileName: (pid) => `flamegraph_${pid}.html`,
    write: (profile, options) => writeFlamegraph(profile, assetsOf(options), options.sources),
    writtenMessage: (path, profile) => `Flamegraph written to ${path} (${sampleCount(profile)} samples; open it in a browser, or use --browser)`,
    stdoutByDefault: false,
    needsAssets: true,
    sourceFiles: heatmapSourceFiles,
    browserEntry: '',
  },
  heatmap: {
    name: 'heatmap',
    flagHelp: 'report as a per-line heatmap of the source, a directory of HTML pages (default: heatmap_PID/, open index.html)',
    defaultFileName: (pid) => `heatmap_${pid}`,
    write: (profile, options) => writeHeatmap(profile, assetsOf(options), options.sources ?? new Map()),
    writtenMessage: (path, profile) => `Heatmap written to ${path}/ (${sampleCount(profile)} samples; open ${path}/index.html, or use --browser)`,
    stdoutByDefault: false,
    directory: true,
    needsAssets: true,
    sourceFiles: heatmapSourceFiles,
    browserEntry: 'index.html',
  },
};

export type OutputFormatName = keyof typeof OUTPUT_FORMATS;

/** Every format, in the order their flags are listed in --help. */
export const OUTPUT_FORMAT_NAMES = Object.keys(OUTPUT_FORMATS) as OutputFormatName[];
