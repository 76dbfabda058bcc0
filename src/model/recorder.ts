/**
 * The profile assembler's former name, kept while other branches still import it.
 * TODO(lead): remove at merge, once every import names ProfileAssembler (profile-assembler.ts).
 */
export { ProfileAssembler as Recorder, type ProfileAssemblerOptions as RecorderOptions } from './profile-assembler.js';
