/**
 * Builds Profiles for writer tests from collapsed-style text: each line is
 * `tid:N;file:func:line;file:func:line… count`, root first. Pseudo frames are written as a bare
 * `<name>`. The inverse of the collapsed writer, so round trips are a test in themselves.
 */
import { ProfileBuilder } from '../../src/model/builder.js';
import { PROFILE_FORMAT_VERSION, PSEUDO_FILE, type Profile, type ProfileMeta } from '../../src/model/profile.js';

export function testMeta(overrides: Partial<ProfileMeta> = {}): ProfileMeta {
  return {
    formatVersion: PROFILE_FORMAT_VERSION,
    tool: { name: 'tachyon', version: '0.0.0-test', helperVersion: '0.0.0-test', protocolVersion: 2 },
    target: { pid: 4242, argv: ['test.py'], pythonVersion: '3.13.0', runtimePath: '/usr/bin/python3.13' },
    mode: 'wall',
    samplesFilteredOut: 0,
    samplesBeforeStart: 0,
    startUnixMs: 0,
    durationUs: 1_000_000,
    sampleIntervalUs: 1000,
    ticksTaken: 0,
    ticksFailed: 0,
    ticksMissed: 0,
    stopReason: 'target_exited',
    ...overrides,
  };
}

export function profileFromText(text: string, meta: Partial<ProfileMeta> = {}): Profile {
  const builder = new ProfileBuilder();
  let time = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const space = line.lastIndexOf(' ');
    const count = Number(line.slice(space + 1));
    const parts = line.slice(0, space).split(';');
    const tid = Number(parts[0].replace(/^tid:/, ''));
    const frames = parts.slice(1).map((label) => {
      if (label.startsWith('<')) return builder.frame(builder.func(label, PSEUDO_FILE, 0, 'pseudo'), 0);
      const [file, name, lineNo] = label.split(':');
      return builder.frame(builder.func(name, file, 1, 'python'), Number(lineNo));
    });
    const stack = builder.stack(frames.reverse());
    for (let i = 0; i < count; i++) builder.addSample(tid, (time += 1000), 0, stack);
  }
  const samples = builder.sampleCount;
  return builder.finish(testMeta({ ticksTaken: samples, ...meta }));
}
