/**
 * Reads Austin's binary MOJO files (version 3, as Austin 4 writes them) into samples: one per
 * STACK event, its function names root first. Only what the benchmark needs: frames, strings and
 * stack repeats; metrics, GC, idle and task events are read past. austin-python's mojo2austin
 * does the same in Python but takes about a minute for the 20 MB a 100 kHz run writes.
 */
const EVENT = {
  METADATA: 1, STACK: 2, FRAME: 3, FRAME_INVALID: 4, FRAME_REF: 5, FRAME_KERNEL: 6, GC: 7, IDLE: 8,
  METRIC_TIME: 9, METRIC_MEMORY: 10, STRING: 11, STRING_REF: 12, STACK_REPEAT: 13, TASK_STACK: 14,
  TASK_WAITER: 15, TASK_RUNNING: 16,
};
/** String index 1 is Austin's "unknown". */
const UNKNOWN = 1;

/** `bytes` (a Buffer) → { metadata, samples: [{ thread, funcs (root first) }] }; throws on a malformed file. */
export function readMojo(bytes) {
  let at = 0;
  const byte = () => {
    if (at >= bytes.length) throw new Error(`mojo: truncated at byte ${at}`);
    return bytes[at++];
  };
  // Integers: the first byte holds 6 bits and a sign bit, each next byte 7 bits; bit 7 continues.
  const int = () => {
    let b = byte();
    const negative = (b & 0x40) !== 0;
    let n = b & 0x3f;
    let shift = 6;
    while (b & 0x80) {
      b = byte();
      n += (b & 0x7f) * 2 ** shift;
      shift += 7;
    }
    return negative ? -n : n;
  };
  const string = () => {
    const end = bytes.indexOf(0, at);
    if (end < 0) throw new Error(`mojo: unterminated string at byte ${at}`);
    const s = bytes.toString('utf8', at, end);
    at = end + 1;
    return s;
  };

  if (bytes.toString('latin1', 0, 3) !== 'MOJ') throw new Error('mojo: not a MOJO file');
  at = 3;
  const version = int();
  if (version !== 3) throw new Error(`mojo: version ${version}, only 3 is read`);

  const metadata = {};
  const strings = new Map([[UNKNOWN, '<unknown>']]);
  /** frame key → function name */
  const frames = new Map();
  /** thread → the previous sample's function names, for STACK_REPEAT */
  const previous = new Map();
  const samples = [];
  let sample = null;
  /** Frame references still owed to a task report (not part of the thread's stack). */
  let taskFramesLeft = 0;

  while (at < bytes.length) {
    const event = byte();
    switch (event) {
      case EVENT.METADATA:
        metadata[string()] = string();
        break;
      case EVENT.STACK: {
        if (sample) previous.set(sample.thread, sample.funcs);
        int(); // pid
        int(); // interpreter id
        sample = { thread: string(), funcs: [] };
        samples.push(sample);
        taskFramesLeft = 0;
        break;
      }
      case EVENT.FRAME: {
        const key = int();
        int(); // file name (string index)
        const scope = int();
        for (let i = 0; i < 4; i++) int(); // line, end line, column, end column
        frames.set(key, strings.get(scope) ?? '<unknown>');
        break;
      }
      case EVENT.FRAME_REF: {
        const name = frames.get(int()) ?? '<unknown>';
        if (taskFramesLeft > 0) taskFramesLeft--;
        else sample?.funcs.push(name);
        break;
      }
      case EVENT.FRAME_KERNEL:
        string();
        break;
      case EVENT.FRAME_INVALID:
        sample?.funcs.push('<invalid>');
        break;
      case EVENT.GC:
      case EVENT.IDLE:
        break;
      case EVENT.METRIC_TIME:
      case EVENT.METRIC_MEMORY:
      case EVENT.TASK_RUNNING:
      case EVENT.STRING_REF:
        int();
        break;
      case EVENT.STRING: {
        const key = int();
        strings.set(key, string());
        break;
      }
      case EVENT.STACK_REPEAT:
        // The previous sample of this thread goes first (Austin drops its innermost native
        // frames; without -n there are none).
        if (sample) sample.funcs = [...(previous.get(sample.thread) ?? []), ...sample.funcs];
        break;
      case EVENT.TASK_STACK:
        int(); // task id
        int(); // task name
        taskFramesLeft = int();
        break;
      case EVENT.TASK_WAITER:
        int();
        int();
        break;
      default:
        throw new Error(`mojo: unknown event ${event} at byte ${at - 1}`);
    }
  }
  return { metadata, samples };
}
