/**
 * Profiling modes: which samples a profile keeps, decided from each sample's SampleStatus bits. `wall` keeps every sample; `cpu` only those of a thread on a CPU (from the
 * OS thread state, which the helper reads only when asked: `--cpu-state`); `gil` only those of
 * the thread holding the GIL; `exception` only those of a thread handling an exception.
 */
import { SampleStatus } from './profile.js';

export const PROFILE_MODES = ['wall', 'cpu', 'gil', 'exception'] as const;
export type ProfileMode = (typeof PROFILE_MODES)[number];

/** Whether a sample with these SampleStatus bits belongs in a profile of this mode. */
export function keepsSample(mode: ProfileMode, status: number): boolean {
  switch (mode) {
    case 'wall':
      return true;
    case 'cpu':
      return (status & SampleStatus.onCpu) !== 0;
    case 'gil':
      return (status & SampleStatus.hasGil) !== 0;
    case 'exception':
      return (status & SampleStatus.hasException) !== 0;
  }
}

/** Whether the helper must read each thread's OS state for this mode (it costs a system call per thread and tick). */
export function needsCpuState(mode: ProfileMode): boolean {
  return mode === 'cpu';
}
