/**
 * `tachyon replay FILE --<format>`: turns a capture (`--binary`, or a helper stream written
 * without the orchestrator) into any report, exactly as the live run would have written it: the
 * stream goes through the same ProfileAssembler, so the Profile and every writer's bytes are the same.
 * A capture cut short replays up to its last whole record, with a warning saying what was lost.
 */
import type { Command } from 'commander';
import { loadCapture } from '../capture/load.js';
import { describeLoss } from '../capture/replay.js';
import { OUTPUT_FORMAT_NAMES } from '../output/index.js';
import { formatRunSummary } from '../output/summary.js';
import { checkBrowser, chooseFormat, type FormatFlags } from './options.js';
import { openInBrowser, writeReport } from '../output/write-report.js';
import { TargetFiles } from '../session/target-files.js';
import type { Io } from './profiling-run.js';
import { addReportOptions, checkBaselineMode, outputOptionsFrom, type CommandContext } from './shared.js';

export interface ReplayFlags extends FormatFlags {
  output?: string;
  browser?: boolean;
}

function describeCapture(loaded: ReturnType<typeof loadCapture>): string {
  const { capture } = loaded;
  const size = `${loaded.fileSizeBytes} bytes`;
  if (capture.meta === undefined) {
    return `a helper stream written without tachyon${capture.kind === 'gzipped-helper-stream' ? ', gzip-compressed' : ''} (${size}): no command line recorded`;
  }
  const m = capture.meta;
  const started = new Date(m.startUnixMs).toISOString();
  return `tachyon ${m.tool.version} capture (${size}, ${capture.compression}) of \`tachyon ${m.commandLine.join(' ')}\`: PID ${m.target.pid}, mode ${m.mode}, ${m.rateHz} Hz${m.allThreads ? ', all threads' : ''}, started ${started}`;
}

export async function replay(file: string, flags: ReplayFlags, context: CommandContext, io: Io): Promise<number> {
  const format = chooseFormat(flags);
  checkBrowser(format, flags.browser === true);
  const outputOptions = outputOptionsFrom(format, flags, context);
  const loaded = loadCapture(file, context.toolVersion);
  checkBaselineMode(outputOptions.baseline, loaded.profile.meta.mode);
  io.stderr(`Replaying ${file}: ${describeCapture(loaded)}`);
  const loss = describeLoss(loaded, loaded.capture.meta?.durationMs);
  if (loss !== undefined) io.stderr(`tachyon: ${loss}`);
  for (const line of formatRunSummary(loaded.profile, false)) io.stderr(line);
  const here = new TargetFiles(undefined);
  const written = writeReport(loaded.profile, { format, output: flags.output, outputOptions }, io, (names) => here.readAll(names));
  if (written !== undefined && flags.browser === true) await openInBrowser(context.env.browser ?? 'xdg-open', format, written, io);
  return 0;
}

export function registerReplayCommand(program: Command, context: CommandContext, io: Io, setExitCode: (code: number) => void): void {
  const command = program
    .command('replay')
    .description('turn a capture (written by --binary, or by tachyon-helper alone) into any report, as the live run would have')
    .argument('<file>', 'the capture file')
    .option('-o, --output <path>', 'write the report here (a directory gets the default file name); pstats writes a binary file pstats.Stats() loads');
  addReportOptions(command, OUTPUT_FORMAT_NAMES, false);
  command.addHelpText(
    'after',
    `
Default file names use the PID of the captured target (gecko_PID.json…). A capture cut short
replays up to its last whole record, with a warning saying where it ends. Files of another kind,
damaged captures and missing files: exit code 7. Formats: docs/formats.md.`,
  );
  command.action(async (file: string, flags: ReplayFlags) => setExitCode(await replay(file, flags, context, io)));
}
