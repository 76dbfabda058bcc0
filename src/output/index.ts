/**
 * The registry of output formats: name → default file name, writer and the line that says where
 * the result went. A new format is one file in this folder and one entry here; nothing upstream
 * changes. Writers are pure; `write-report.ts` does the file I/O. (A `--binary` capture is no
 * writer of a Profile: the sampling session's capture listener writes it, capture/writer.ts.)
 */
import { sampleCount, type Profile } from '../model/profile.js';
import { writeCollapsed } from './collapsed.js';
import { writeDiffFlamegraph } from './diff-flamegraph.js';
import { writeFlamegraph } from './flamegraph.js';
import { heatmapSourceFiles, writeHeatmap, type SourceFile } from './heatmap.js';
import type { ReportAssets } from './html-page.js';
import { writeGecko } from './gecko.js';
import { writeJsonl } from './jsonl.js';
import { writePprof } from './pprof.js';
import { writeSpeedscope } from './speedscope.js';
import { PSTATS_SORT_KEYS, writePstatsFile, writePstatsText, type PstatsTextOptions } from './pstats.js';

export interface OutputOptions {
  pstats: PstatsTextOptions;
  /** Templates and d3 for the HTML formats, loaded by the command layer when `needsAssets`. */
  assets?: ReportAssets;
  /** The target's source texts by file name, read by the command layer when `sourceFiles` is set. */
  sources?: ReadonlyMap<string, SourceFile>;
  /** `--diff-flamegraph BASELINE`: the baseline capture's profile, loaded by the command layer. */
  baseline?: Profile;
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
  /** The flag takes a value (`--diff-flamegraph BASELINE`); this names it in --help. */
  flagArgument?: string;
  /** Options that apply to this format alone, as commander declares them; given with another format they are refused. */
  options?: readonly FormatOption[];
}

/** One option of a format: commander's flags (`-l, --limit <rows>`, `--no-summary`) and its help text. */
export interface FormatOption {
  flags: string;
  help: string;
}

export const OUTPUT_FORMATS: Record<'pstats' | 'collapsed' | 'flamegraph' | 'diff-flamegraph' | 'heatmap' | 'gecko' | 'jsonl' | 'speedscope' | 'pprof', OutputFormat> = {
  pstats: {
    name: 'pstats',
    flagHelp: 'report as a pstats table on stdout, or a pstats file with -o (the default)',
    defaultFileName: (pid) => `pstats_${pid}.pstats`,
    write: (profile, options, toFile) => (toFile ? writePstatsFile(profile) : writePstatsText(profile, options.pstats)),
    writtenMessage: (path, profile) => `pstats file written to ${path} (${sampleCount(profile)} samples; view it with: python3 -m pstats ${path})`,
    stdoutByDefault: true,
    options: [
      { flags: '--sort <key>', help: `pstats sort order: ${PSTATS_SORT_KEYS.join(', ')} (default: nsamples)` },
      { flags: '-l, --limit <rows>', help: 'pstats rows to print (default: 15)' },
      { flags: '--no-summary', help: 'pstats: leave out the summary of interesting functions' },
    ],
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
  'diff-flamegraph': {
    name: 'diff-flamegraph',
    flagHelp: 'report as a flamegraph of this run against a baseline capture (--binary), coloured by the change of each frame\'s share (default file: diff_flamegraph_PID.html)',
    flagArgument: 'baseline',
    defaultFileName: (pid) => `diff_flamegraph_${pid}.html`,
    write: (profile, options) => {
      if (options.baseline === undefined) throw new Error('the baseline profile was not loaded');
      return writeDiffFlamegraph(profile, options.baseline, assetsOf(options));
    },
    writtenMessage: (path, profile) => `Differential flamegraph written to ${path} (${sampleCount(profile)} samples; open it in a browser, or use --browser)`,
    stdoutByDefault: false,
    needsAssets: true,
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
  gecko: {
    name: 'gecko',
    flagHelp: 'report in the Firefox Profiler format, one track per thread, with GIL markers (default file: gecko_PID.json)',
    defaultFileName: (pid) => `gecko_${pid}.json`,
    write: (profile) => writeGecko(profile),
    writtenMessage: (path, profile) =>
      `Gecko profile written to ${path} (${sampleCount(profile)} samples)\nOpen in Firefox Profiler: https://profiler.firefox.com/ ("Load a profile from file", then choose ${path})`,
    stdoutByDefault: false,
  },
  jsonl: {
    name: 'jsonl',
    flagHelp: 'report as JSON lines for programs: meta, strings, frames, stacks, samples (docs/formats.md; default file: jsonl_PID.jsonl)',
    defaultFileName: (pid) => `jsonl_${pid}.jsonl`,
    write: (profile) => writeJsonl(profile),
    writtenMessage: (path, profile) => `JSONL profile written to ${path} (${sampleCount(profile)} samples)`,
    stdoutByDefault: false,
  },
  speedscope: {
    name: 'speedscope',
    flagHelp: 'report in speedscope\'s file format, one profile per thread (default file: speedscope_PID.json)',
    defaultFileName: (pid) => `speedscope_${pid}.json`,
    write: (profile) => writeSpeedscope(profile),
    writtenMessage: (path, profile) => `speedscope profile written to ${path} (${sampleCount(profile)} samples; open it at https://www.speedscope.app/ or with: npx speedscope ${path})`,
    stdoutByDefault: false,
  },
  pprof: {
    name: 'pprof',
    flagHelp: 'report as gzipped pprof protobuf, for go tool pprof, Pyroscope and Parca (default file: pprof_PID.pb.gz)',
    defaultFileName: (pid) => `pprof_${pid}.pb.gz`,
    write: (profile) => writePprof(profile),
    writtenMessage: (path, profile) => `pprof profile written to ${path} (${sampleCount(profile)} samples; view it with: go tool pprof -http=: ${path})`,
    stdoutByDefault: false,
  },
};

export type OutputFormatName = keyof typeof OUTPUT_FORMATS;

/** Every format, in the order their flags are listed in --help. */
export const OUTPUT_FORMAT_NAMES = Object.keys(OUTPUT_FORMATS) as OutputFormatName[];

/** The key commander stores a format's flag under: `--diff-flamegraph` → `diffFlamegraph`. */
export function formatFlagKey(name: OutputFormatName): string {
  return name.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

/** A format's flag as a user types it, for messages: `--gecko`, `--diff-flamegraph BASELINE`. */
export function formatUsage(name: OutputFormatName): string {
  const argument = OUTPUT_FORMATS[name].flagArgument;
  return argument === undefined ? `--${name}` : `--${name} ${argument.toUpperCase()}`;
}

/** The commander declaration of a format's flag: `--gecko`, `--diff-flamegraph <baseline>`. */
export function formatFlag(name: OutputFormatName): string {
  const argument = OUTPUT_FORMATS[name].flagArgument;
  return argument === undefined ? `--${name}` : `--${name} <${argument}>`;
}

