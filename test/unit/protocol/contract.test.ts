/**
 * The Zig and TypeScript sides agree on the protocol: every enum in helper/wire.zig and
 * helper/fatal.zig has the same names and numbers as its mirror in src/protocol/messages.ts, and
 * docs/protocol.md lists them all; the helper's exit codes are the orchestrator's for the same
 * causes; the rate limits the orchestrator enforces are helper/limits.zig's.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/interpreters.js';
import { FailReason, HelloFlags, HelperExit, MessageKind, PROTOCOL_VERSION, StopReason, ThreadStatus } from '../../../src/protocol/messages.js';
import { ExitCode, errorForHelperExit } from '../../../src/session/errors.js';
import { BLOCKING_RATE_HZ_MAX, RATE_HZ_MAX } from '../../../src/commands/options.js';

function zigEnum(file: string, name: string): Record<string, number> {
  const source = readFileSync(path.join(REPO_ROOT, 'helper', file), 'utf8');
  const start = source.search(new RegExp(`pub const ${name}\\s*=\\s*enum\\s*\\(\\s*u\\d+\\s*\\)\\s*\\{`));
  if (start < 0) throw new Error(`enum ${name} not found in helper/${file}`);
  const body = source.slice(start, source.indexOf('};', start));
  const out: Record<string, number> = {};
  for (const match of body.matchAll(/^\s*(\w+)\s*=\s*(\d+)\s*,/gm)) out[match[1]] = Number(match[2]);
  return out;
}

function tsEnum(e: Record<string, string | number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(e)) if (typeof value === 'number') out[key] = value;
  return out;
}

const protocolDoc = readFileSync(path.join(REPO_ROOT, 'docs', 'protocol.md'), 'utf8');

for (const [file, zigName, mirror] of [
  ['wire.zig', 'MessageKind', MessageKind],
  ['wire.zig', 'StopReason', StopReason],
  ['wire.zig', 'FailReason', FailReason],
  ['fatal.zig', 'ExitCode', HelperExit],
] as const) {
  t.test(`${zigName} in helper/${file} matches src/protocol/messages.ts and docs/protocol.md`, async (t) => {
    const zig = zigEnum(file, zigName);
    t.ok(Object.keys(zig).length >= 2, 'the Zig enum was found and parsed');
    t.same(zig, tsEnum(mirror));
    for (const [name, value] of Object.entries(zig)) t.match(protocolDoc, new RegExp(`\\| ${value} \\| \`${name}\``), `docs/protocol.md lists ${name} = ${value}`);
  });
}

t.test('ThreadStatus bits in helper/wire.zig match src/protocol/messages.ts and docs/protocol.md', async (t) => {
  const source = readFileSync(path.join(REPO_ROOT, 'helper', 'wire.zig'), 'utf8');
  const start = source.indexOf('pub const ThreadStatus = struct {');
  const body = source.slice(start, source.indexOf('};', start));
  const zig: Record<string, number> = {};
  for (const match of body.matchAll(/pub const (\w+): u32 = (\d+);/g)) zig[match[1]] = Number(match[2]);
  t.ok(Object.keys(zig).length >= 6, 'the Zig bits were found and parsed');
  const camel = (name: string): string => name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
  t.same(Object.fromEntries(Object.entries(zig).map(([name, bit]) => [camel(name), bit])), ThreadStatus);
  for (const [name, bit] of Object.entries(zig)) t.match(protocolDoc, new RegExp(`\\| ${bit} \\| \`${name}\``), `docs/protocol.md lists ${name} = ${bit}`);
});

t.test('HelloFlags bits in helper/wire.zig match src/protocol/messages.ts and docs/protocol.md', async (t) => {
  const source = readFileSync(path.join(REPO_ROOT, 'helper', 'wire.zig'), 'utf8');
  const start = source.indexOf('pub const HelloFlags = struct {');
  const body = source.slice(start, source.indexOf('};', start));
  const zig: Record<string, number> = {};
  for (const match of body.matchAll(/pub const (\w+): u32 = (\d+);/g)) zig[match[1]] = Number(match[2]);
  t.ok(Object.keys(zig).length >= 3, 'the Zig bits were found and parsed');
  const camel = (name: string): string => name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
  t.same(Object.fromEntries(Object.entries(zig).map(([name, bit]) => [camel(name), bit])), HelloFlags);
  const docBits: Record<number, string> = { 1: 'bit 0', 2: 'bit 1', 4: 'bit 2', 8: 'bit 3' };
  for (const bit of Object.values(zig)) t.match(protocolDoc, new RegExp(`\`flags\` \\(int: [^)]*${docBits[bit]} = `), `docs/protocol.md describes hello flag ${bit}`);
});

t.test('protocol version', async (t) => {
  const source = readFileSync(path.join(REPO_ROOT, 'helper', 'wire.zig'), 'utf8');
  const match = /pub const protocol_version\s*(?::\s*\w+\s*)?=\s*(\d+)/.exec(source);
  t.equal(Number(match?.[1]), PROTOCOL_VERSION);
  t.match(protocolDoc, new RegExp(`\`protocol_version\` is ${PROTOCOL_VERSION}`));
});

/** snake_case → camelCase, the orchestrator's spelling of a helper name. */
const camelCase = (name: string): string => name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

t.test('the helper exits with the orchestrator\'s number for every cause they share', async (t) => {
  const helper = zigEnum('fatal.zig', 'ExitCode');
  const orchestrator = tsEnum(ExitCode as unknown as Record<string, string | number>);
  const shared = Object.keys(helper).filter((name) => camelCase(name) in orchestrator);
  t.same(shared.sort(), ['not_python', 'permission_denied', 'process_not_found', 'python_unsupported', 'usage'], 'the causes both sides name');
  for (const name of shared) t.equal(helper[name], orchestrator[camelCase(name)], `${name} is ${orchestrator[camelCase(name)]} on both sides`);
  // The helper's own causes (and success) take numbers no shared cause uses.
  const own = Object.keys(helper).filter((name) => !shared.includes(name));
  t.same(own.sort(), ['internal', 'ok', 'output_closed'], 'the helper\'s own causes');
  for (const name of own) t.notOk(shared.some((other) => helper[other] === helper[name]), `${name} (${helper[name]}) is no shared cause's number`);
});

t.test('errorForHelperExit maps each helper exit to the orchestrator code of the same name', async (t) => {
  const helper = zigEnum('fatal.zig', 'ExitCode');
  const orchestrator = tsEnum(ExitCode as unknown as Record<string, string | number>);
  for (const [name, code] of Object.entries(helper)) {
    if (name === 'ok') continue;
    const error = errorForHelperExit(code, 1234, 'tachyon-helper: a message', '/bin/tachyon-helper');
    // `usage` is the helper refusing the options tachyon gave it: tachyon's bug, not the user's.
    const expected = name === 'usage' || !(camelCase(name) in orchestrator) ? ExitCode.helperProblem : orchestrator[camelCase(name)];
    t.equal(error.exitCode, expected, `helper ${name} (${code}) → tachyon ${ExitCode[expected]} (${expected})`);
  }
});

t.test('the orchestrator\'s rate limits are helper/limits.zig\'s', async (t) => {
  const source = readFileSync(path.join(REPO_ROOT, 'helper', 'limits.zig'), 'utf8');
  const limit = (name: string): number => {
    const match = new RegExp(`pub const ${name}\\s*(?::\\s*\\w+\\s*)?=\\s*([\\d_]+)\\s*;`).exec(source);
    if (!match) throw new Error(`${name} not found in helper/limits.zig`);
    return Number(match[1].replaceAll('_', ''));
  };
  t.equal(RATE_HZ_MAX, limit('rate_hz_max'), 'RATE_HZ_MAX = rate_hz_max');
  t.equal(BLOCKING_RATE_HZ_MAX, limit('blocking_rate_hz_max'), 'BLOCKING_RATE_HZ_MAX = blocking_rate_hz_max');
});
