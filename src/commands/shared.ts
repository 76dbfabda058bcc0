/**
 * Options and plumbing shared by the sampling commands (`run`, `attach`): the commander option
 * declarations, with their help texts, and the translation of parsed flags into ProfilingOptions.
 */
import type { Command } from 'commander';
import type { Environment } from '../config/env.js';
import { findHelper } from '../session/helper-path.js';
import { cannotCombine, ExitCode, TachyonError } from '../session/errors.js';
import { OUTPUT_FORMATS, OUTPUT_FORMAT_NAMES, formatFlag, type OutputFormatName, type OutputOptions } from '../output/index.js';
import { loadCaptureProfile } from '../capture/load.js';
import type { Profile } from '../model/profile.js';
import { loadReportAssets } from './report-assets.js';
import { CAPTURE_CHOICE, checkBlocking, checkBrowser, chooseReport, formatOptions, parseDurationSeconds, parseLimit, parseMode, parseSamplingRate, parseSort, type FormatFlags, type ReportChoice } from './options.js';
import { needsCpuState } from '../model/modes.js';
import type { ProfilingOptions } from './profiling-run.js';

export interface SamplingFlags {
  samplingRate: string;
  duration?: string;
  allThreads?: boolean;
  mode?: string;
  /** false with --no-gc. */
  gc?: boolean;
  realtimeStats?: boolean;
  blocking?: boolean;
  native?: boolean;
  realtime?: boolean;
  output?: string;
  capture?: string;
  /** One boolean per output format, set by its `--<format>` flag. */
  [format: string]: unknown;
  sort?: string;
  limit?: string;
  summary?: boolean;
  verbose?: boolean;
  browser?: boolean;
}

export interface CommandContext {
  env: Environment;
  toolVersion: string;
  /** Whether stdout is a terminal (colour in the pstats table). */
  stdoutIsTty: boolean;
  warn(line: string): void;
}

export function addSamplingOptions(command: Command): Command {
  command
    .option('-r, --sampling-rate <rate>', 'samples per second: 1000, 10khz, 10k (max 200khz)', '1khz')
    .option('-d, --duration <seconds>', 'stop after this many seconds (default: until the target exits or Ctrl-C)')
    .option('-a, --all-threads', 'sample every thread (default: only the main thread)')
    .option('--mode <mode>', 'which samples to keep: wall (all), cpu (threads on a CPU), gil (the thread holding the GIL), exception (threads handling an exception)', 'wall')
    .option('--no-gc', 'leave out the <GC> frame shown on top of stacks while the garbage collector runs')
    .option('--blocking', 'stop every thread of the target around each sample (ptrace) for fully consistent stacks; at most 1 kHz; the target is never left stopped')
    .option('--native', 'show a <native> frame where C code called into Python (CPython 3.11+; before, C calls leave no trace in the stack)')
    .option('--no-realtime', 'keep the helper at normal scheduling priority (by default it samples under real-time scheduling where permitted, so ticks stay on time when the target keeps every CPU busy)')
    .option('--realtime-stats', 'show a live line on stderr with the achieved sampling rate and the mean/min/max interval between samples')
    .option('-o, --output <path>', 'write the report here (a directory gets the default file name; --heatmap makes PATH a directory, dropping a .html suffix); pstats writes a binary file pstats.Stats() loads');
  addReportOptions(command, OUTPUT_FORMAT_NAMES, true);
  return command
    .option('--capture <path>', 'also save a capture of this run (as --binary writes) for "tachyon replay", next to the report')
    .option('-v, --verbose', 'show what the helper does (its stderr) while sampling');
}

/**
 * The report options of run, attach and replay: the `--<format>` flags of `names`, as the registry
 * describes them, `--binary` where the run samples (`withCapture`), --browser and the options
 * each format declares.
 */
export function addReportOptions(command: Command, names: readonly OutputFormatName[], withCapture: boolean): void {
  for (const name of names) command.option(formatFlag(name), OUTPUT_FORMATS[name].flagHelp);
  if (withCapture) command.option(`--${CAPTURE_CHOICE}`, 'save a compact capture (the helper\'s stream and the run\'s metadata) for "tachyon replay" (default file: binary_PID.bin)');
  command.option('--browser', 'open the flamegraph, diff flamegraph or heatmap in a web browser once it is written ($BROWSER, else xdg-open)');
  for (const name of names) for (const option of formatOptions(name)) command.addOption(option);
}

/**
 * What the writer of `format` needs beyond the profile, shared by run, attach and replay: pstats
 * display options, the HTML assets, and for a differential flamegraph the baseline capture's
 * profile (loaded now, so a bad baseline fails before sampling starts).
 */
export function outputOptionsFrom(format: ReportChoice, flags: FormatFlags & { output?: string; diffFlamegraph?: unknown }, context: CommandContext): OutputOptions {
  const color = context.env.forceColor || (!context.env.noColor && context.stdoutIsTty);
  return {
    assets: format !== CAPTURE_CHOICE && OUTPUT_FORMATS[format].needsAssets ? loadReportAssets() : undefined,
    baseline: format === 'diff-flamegraph' ? loadCaptureProfile(String(flags.diffFlamegraph), context.toolVersion) : undefined,
    pstats: {
      sort: flags.sort !== undefined ? parseSort(flags.sort) : 'nsamples',
      limit: flags.limit !== undefined ? parseLimit(flags.limit) : 15,
      summary: flags.summary !== false,
      color: color && flags.output === undefined,
    },
  };
}

/** Checks every flag before anything starts; the PID is added once the target is known. */
export function recordOptionsFrom(flags: SamplingFlags, context: CommandContext, argv: string[]): Omit<ProfilingOptions, 'pid'> {
  const rateHz = parseSamplingRate(flags.samplingRate);
  const durationMs = flags.duration !== undefined ? Math.round(parseDurationSeconds(flags.duration) * 1000) : undefined;
  const format = chooseReport(flags);
  const mode = parseMode(flags.mode ?? 'wall');
  if (flags.blocking === true) checkBlocking(rateHz, mode);
  checkBrowser(format, flags.browser === true);
  if (format === CAPTURE_CHOICE && flags.capture !== undefined) {
    throw cannotCombine('--capture', `--${CAPTURE_CHOICE}`, '--binary writes the capture itself (name it with -o); --capture adds one to another format');
  }
  const outputOptions = outputOptionsFrom(format, flags, context);
  checkBaselineMode(outputOptions.baseline, mode);
  return {
    helperPath: findHelper(context.env, context.warn),
    rateHz,
    durationMs,
    allThreads: flags.allThreads === true,
    cpuState: needsCpuState(mode),
    mode,
    gc: flags.gc !== false,
    realtimeStats: flags.realtimeStats === true,
    blocking: flags.blocking === true,
    native: flags.native === true,
    realtime: flags.realtime !== false,
    verbose: flags.verbose === true,
    argv,
    toolVersion: context.toolVersion,
    format,
    output: flags.output,
    browser: flags.browser === true ? (context.env.browser ?? 'xdg-open') : undefined,
    ...(flags.capture !== undefined ? { capturePath: flags.capture } : {}),
    outputOptions,
  };
}

/** A differential flamegraph compares like with like: the baseline must have kept the same samples. */
export function checkBaselineMode(baseline: Profile | undefined, mode: string): void {
  if (baseline === undefined || baseline.meta.mode === mode) return;
  throw new TachyonError(
    ExitCode.usage,
    `the --diff-flamegraph baseline was recorded with --mode ${baseline.meta.mode}, this profile uses --mode ${mode}`,
    `record the baseline again with --mode ${mode}, or use --mode ${baseline.meta.mode} here`,
  );
}
