/**
 * One run of the helper: spawns it, splits its stdout into MessagePack values, decodes them and
 * hands each message to the caller, and reports how it ended. Stopping is asking: `stop()` closes
 * the helper's stdin (it was started with --stop-on-stdin-eof), and the helper answers with its
 * final stats and `bye`. If the helper dies instead, `done` still resolves, with what it said.
 *
 *   orchestrator ──stdin (close = stop)──▶ helper ──stdout (MessagePack)──▶ decode ──▶ onMessage
 *                                            └──stderr (diagnostics)──▶ stderrTail / --verbose
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ProtocolError } from '../protocol/decode.js';
import { MessageKind, type HelloMessage, type Message } from '../protocol/messages.js';
import { MessageSplitter } from '../protocol/stream.js';

/** What the helper is asked to do: whom to sample, how fast, for how long. */
export interface HelperRequest {
  helperPath: string;
  pid: number;
  rateHz: number;
  durationMs: number | undefined;
  allThreads: boolean;
  /** Read each thread's OS state (the `on_cpu` status bit); costs a system call per thread and tick. */
  cpuState?: boolean;
  /** Stop the target's threads around each sample (ptrace); at most BLOCKING_RATE_HZ_MAX. */
  blocking?: boolean;
  /** `<native>` frames where C called into Python (3.11+). */
  native?: boolean;
  /** Let the helper sample under real-time scheduling where it is permitted (helper/Priority.zig). */
  realtime?: boolean;
  /** A `frame_locals` message after each sample (helper/Locals.zig; `dump --locals`). */
  locals?: boolean;
  verbose: boolean;
}

export interface HelperSessionOptions extends HelperRequest {
  onMessage(message: Message): void;
  /** Every chunk of the helper's stdout as it arrived, before decoding (for --binary captures). */
  onChunk?(chunk: Buffer): void;
  /** Where --verbose echoes the helper's stderr. */
  log(line: string): void;
}

export interface HelperOutcome {
  exitCode: number | undefined;
  signal: string | undefined;
  /**
   * What the helper last said on stderr: the line of a panic where there was one (a panic ends
   * with a source excerpt and a caret, which say nothing on their own), else the last non-empty line.
   */
  stderrTail: string;
  /** Set when the stream broke the protocol or the chunk or message handler threw. */
  streamError: Error | undefined;
  sawBye: boolean;
}

export class HelperSession {
  readonly hello: Promise<HelloMessage>;
  readonly done: Promise<HelperOutcome>;
  private readonly child: ChildProcessWithoutNullStreams;
  private stopped = false;

  constructor(options: HelperSessionOptions) {
    const args = [`--pid=${options.pid}`, `--rate-hz=${options.rateHz}`, '--stop-on-stdin-eof'];
    if (options.durationMs !== undefined) args.push(`--duration-ms=${options.durationMs}`);
    if (options.allThreads) args.push('--all-threads');
    if (options.cpuState === true) args.push('--cpu-state');
    if (options.blocking === true) args.push('--blocking');
    if (options.native === true) args.push('--native');
    if (options.realtime === true) args.push('--realtime');
    if (options.locals === true) args.push('--locals');
    // node's own spawn, not execa: attach then starts without loading execa's module tree, which
    // is half of tachyon's start-up CPU (docs/benchmarks.md).
    const child = spawn(options.helperPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    const exited = new Promise<{ exitCode: number | undefined; signal: string | undefined; spawnError?: Error }>((resolve) => {
      child.once('error', (error) => resolve({ exitCode: undefined, signal: undefined, spawnError: error }));
      child.once('close', (code, signal) => resolve({ exitCode: code ?? undefined, signal: signal ?? undefined }));
    });

    let resolveHello!: (hello: HelloMessage) => void;
    let rejectHello!: (error: Error) => void;
    this.hello = new Promise((resolve, reject) => {
      resolveHello = resolve;
      rejectHello = reject;
    });
    // A caller that never awaits hello (the helper failed first) must not see an unhandled rejection.
    this.hello.catch(() => undefined);

    let stderrTail = '';
    let panicLine: string | undefined;
    let stderrPartial = '';
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      const lines = (stderrPartial + chunk).split('\n');
      stderrPartial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() !== '') stderrTail = line;
        if (panicLine === undefined && /\bpanic\b/.test(line)) panicLine = line.trim();
        if (options.verbose) options.log(`[helper] ${line}`);
      }
    });

    let streamError: Error | undefined;
    let sawBye = false;
    const splitter = new MessageSplitter((message) => {
      if (message.kind === MessageKind.hello) resolveHello(message);
      if (message.kind === MessageKind.bye) sawBye = true;
      options.onMessage(message);
    });
    const streamEnded = new Promise<void>((resolve) => {
      this.child.stdout.on('data', (chunk: Buffer) => {
        if (streamError !== undefined) return;
        try {
          options.onChunk?.(chunk);
          splitter.push(chunk);
        } catch (error) {
          streamError = error instanceof Error ? error : new ProtocolError(String(error));
          this.stop();
        }
      });
      // A helper killed mid-write leaves a cut message behind; what came before it still counts.
      this.child.stdout.on('end', () => resolve());
      this.child.stdout.on('error', () => resolve());
    });
    // The helper's stdin closes when we stop it; an EPIPE there is expected, not an error.
    this.child.stdin.on('error', () => undefined);

    this.done = (async () => {
      const result = await exited;
      if (result.spawnError === undefined) await streamEnded;
      if (stderrPartial.trim() !== '') stderrTail = stderrPartial;
      if (panicLine !== undefined) stderrTail = panicLine;
      if (result.spawnError !== undefined) stderrTail = `cannot start ${options.helperPath}: ${result.spawnError.message}`;
      rejectHello(new ProtocolError('the helper exited before its hello'));
      return {
        exitCode: result.exitCode,
        signal: result.signal,
        stderrTail,
        streamError,
        sawBye,
      };
    })();
  }

  /** Asks the helper to stop; it flushes its last samples and says bye. Safe to call twice. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.child.stdin.end();
  }

  /** For a helper that does not answer stop(): ends it by signal. */
  kill(): void {
    this.child.kill('SIGKILL');
  }
}
