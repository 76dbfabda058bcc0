/**
 * The fake helper (test/fixtures/fake-helper/fake-helper.mjs) and its recorded stream: where it
 * is, how to tell it how to end, and the recording's messages decoded the way a live run decodes
 * them, to compare what a session delivered with.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MessageSplitter } from '../../src/protocol/stream.js';
import type { Message } from '../../src/protocol/messages.js';
import { REPO_ROOT } from './interpreters.js';

const DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'fake-helper');
export const FAKE_HELPER = path.join(DIR, 'fake-helper.mjs');
export const RECORDED_STREAM = readFileSync(path.join(DIR, 'stream.bin'));

export interface FakeOrder {
  mode: 'replay' | 'until-stop' | 'stall' | 'die' | 'garbage';
  messages?: number;
  cutBytes?: number;
  exit?: number;
  signal?: string;
  stderr?: string;
  argvFile?: string;
}

/** How the next fake helper started ends; the environment is copied when it is spawned. */
export function orderFakeHelper(order: FakeOrder): void {
  process.env.TACHYON_FAKE_HELPER = JSON.stringify(order);
}

/** Every message of the recording, in order. */
export function recordedMessages(): Message[] {
  const messages: Message[] = [];
  new MessageSplitter((message) => messages.push(message)).push(RECORDED_STREAM);
  return messages;
}
