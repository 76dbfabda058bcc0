/**
 * speedscope's file format (https://www.speedscope.app/file-format-schema.json): shared frames
 * and one "sampled" profile per thread, samples in time order (root-first frame indexes), each
 * weighted by the time to the thread's next sample, in microseconds (the last one by the sampling
 * interval), so the time-ordered view shows real time. Pure.
 */
import type { Profile } from '../model/profile.js';
import { basename } from './file-names.js';

export const SPEEDSCOPE_SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

export function writeSpeedscope(profile: Profile): string {
  const frames: { name: string; file?: string; line?: number; col?: number }[] = [];
  for (let i = 0; i < profile.frames.length; i++) {
    const func = profile.frames.func[i];
    const name = profile.strings[profile.funcs.name[func]];
    if (profile.funcs.kind[func] === 'pseudo') {
      frames.push({ name });
      continue;
    }
    const file = profile.strings[profile.funcs.file[func]];
    const frame: (typeof frames)[number] = { name: `${name} (${basename(file)}:${profile.frames.line[i]})`, file };
    if (profile.frames.line[i] > 0) frame.line = profile.frames.line[i];
    // speedscope's columns are 1-based; CPython's are 0-based.
    if (profile.frames.column[i] >= 0) frame.col = profile.frames.column[i] + 1;
    frames.push(frame);
  }

  // Each stack's root-first frame list, built once from its parent's.
  const stackFrames: number[][] = [];
  for (let s = 0; s < profile.stacks.length; s++) {
    const parent = profile.stacks.parent[s];
    stackFrames.push(parent === -1 ? [profile.stacks.frame[s]] : [...stackFrames[parent], profile.stacks.frame[s]]);
  }

  const intervalUs = profile.meta.sampleIntervalUs;
  const profiles = profile.threads.map((thread) => {
    const s = thread.samples;
    const samples: number[][] = [];
    const weights: number[] = [];
    for (let i = 0; i < s.length; i++) {
      samples.push(stackFrames[s.stack[i]]);
      weights.push(i + 1 < s.length ? Math.max(0, s.timeUs[i + 1] - s.timeUs[i]) : intervalUs);
    }
    const startValue = s.length > 0 ? s.timeUs[0] : 0;
    const endValue = startValue + weights.reduce((a, b) => a + b, 0);
    return { type: 'sampled', name: thread.name !== undefined ? `${thread.name} (thread ${thread.tid})` : `Thread ${thread.tid}`, unit: 'microseconds', startValue, endValue, samples, weights };
  });

  const target = profile.meta.target;
  return JSON.stringify({
    $schema: SPEEDSCOPE_SCHEMA,
    shared: { frames },
    profiles,
    name: `Python ${target.pythonVersion} PID ${target.pid}${target.argv.length > 0 ? ` ${target.argv.join(' ')}` : ''}`,
    activeProfileIndex: 0,
    exporter: `tachyon ${profile.meta.tool.version}`,
  });
}
