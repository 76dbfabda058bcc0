/**
 * One sampling session: runs the helper from its hello to its bye (or its death) and hands every
 * chunk of its stream and every decoded message, in order, to a list of listeners — the profile
 * builder, the capture writer, the realtime stats line, and whatever comes next. A listener is
 * added by passing it in; the session never knows what its listeners do.
 *
 *   helper ──chunks──▶ HelperSession ──messages──▶ SamplingSession ──▶ listener.onChunk / onMessage
 *                                                        └── ended ──▶ listener.onEnd(outcome)
 *
 * The lifecycle is the session's: `attached()` waits for the hello (a helper that fails first
 * becomes the matching TachyonError), `stop()` asks the helper to stop and kills it if it has not
 * said bye after a grace period, `finish()` waits for the end and tells every listener how it went.
 */
import { errorForHelperExit, helperBrokeProtocol, helperEndedBeforeHello, type TachyonError } from './errors.js';
import { HelperSession, type HelperOutcome, type HelperRequest } from './helper-session.js';
import { MessageKind, type HelloMessage, type Message } from '../protocol/messages.js';

/** How long a stopped helper may take to say bye before it is killed. */
export const HELPER_STOP_GRACE_MS = 3000;

export interface SamplingOutcome extends HelperOutcome {
  /** Every listener took the helper's hello: the session sampled (else nothing was recorded). */
  attached: boolean;
  /** Attached, but the helper ended without its bye (crashed, was killed or broke the protocol). */
  helperDied: boolean;
}

/**
 * What a listener is told. A listener that throws ends the session as a stream that broke the
 * protocol would: the helper is stopped and the outcome carries the error.
 */
export interface SamplingListener {
  /** Every chunk of the helper's stdout as it arrived, before decoding. */
  onChunk?(chunk: Buffer): void;
  /** Every decoded message, in the helper's order, the hello first. */
  onMessage?(message: Message): void;
  /** Once, when the session is over (awaited, in the listeners' order). */
  onEnd?(outcome: SamplingOutcome): void | Promise<void>;
}

export interface SamplingSessionOptions extends HelperRequest {
  /** Where --verbose echoes the helper's stderr. */
  log(line: string): void;
  /** How long a stopped helper may take to say bye; HELPER_STOP_GRACE_MS unless a test says otherwise. */
  stopGraceMs?: number;
}

/** The TachyonError for a session that ended before its hello was taken. */
export function failureBeforeHello(outcome: HelperOutcome, request: Pick<HelperRequest, 'pid' | 'helperPath'>): TachyonError {
  if (outcome.streamError !== undefined) return helperBrokeProtocol(outcome.streamError);
  if (outcome.exitCode !== undefined && outcome.exitCode !== 0) return errorForHelperExit(outcome.exitCode, request.pid, outcome.stderrTail, request.helperPath);
  return helperEndedBeforeHello(outcome.signal);
}

export class SamplingSession {
  private readonly helper: HelperSession;
  /** Set once every listener has taken the hello. */
  private helloTaken = false;
  private stopTimer: NodeJS.Timeout | undefined;
  private ended: Promise<SamplingOutcome> | undefined;

  constructor(
    private readonly options: SamplingSessionOptions,
    private readonly listeners: readonly SamplingListener[],
  ) {
    const chunkListeners = listeners.filter((l) => l.onChunk !== undefined);
    const messageListeners = listeners.filter((l) => l.onMessage !== undefined);
    this.helper = new HelperSession({
      ...options,
      onMessage: (message) => {
        for (const listener of messageListeners) listener.onMessage?.(message);
        if (message.kind === MessageKind.hello) this.helloTaken = true;
      },
      ...(chunkListeners.length > 0 ? { onChunk: (chunk: Buffer) => chunkListeners.forEach((l) => l.onChunk?.(chunk)) } : {}),
    });
  }

  /** How the helper ended, without waiting for the listeners (for racing it against the target's exit). */
  get helperDone(): Promise<HelperOutcome> {
    return this.helper.done;
  }

  /** Waits for the helper's hello; a helper that ends first ends the session and becomes the matching TachyonError. */
  async attached(): Promise<HelloMessage> {
    const first = await Promise.race([this.helper.hello.then(() => undefined), this.helper.done]);
    if (first !== undefined) {
      await this.end(first);
      throw failureBeforeHello(first, this.options);
    }
    return this.helper.hello;
  }

  /** Asks the helper to stop (it flushes its last samples and says bye), and kills it after the grace period. Safe to call twice. */
  stop(): void {
    this.helper.stop();
    this.stopTimer ??= setTimeout(() => this.helper.kill(), this.options.stopGraceMs ?? HELPER_STOP_GRACE_MS);
    this.stopTimer.unref();
  }

  /** Waits for the helper to end and every listener's onEnd; throws the TachyonError of a session that never attached. */
  async finish(): Promise<SamplingOutcome> {
    const outcome = await this.end(await this.helper.done);
    if (!outcome.attached) throw failureBeforeHello(outcome, this.options);
    return outcome;
  }

  /** Tells the listeners, once, how the session ended. */
  private end(helperOutcome: HelperOutcome): Promise<SamplingOutcome> {
    this.ended ??= (async () => {
      if (this.stopTimer !== undefined) clearTimeout(this.stopTimer);
      const attached = this.helloTaken;
      const outcome: SamplingOutcome = { ...helperOutcome, attached, helperDied: attached && !helperOutcome.sawBye };
      for (const listener of this.listeners) await listener.onEnd?.(outcome);
      return outcome;
    })();
    return this.ended;
  }
}
