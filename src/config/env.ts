/**
 * The only reader of process.env. Everything Tachyon takes from the environment is named here.
 */

export interface Environment {
  /** Overrides where the helper binary is looked for. */
  helperPath: string | undefined;
  /** Colour: NO_COLOR turns it off, FORCE_COLOR on; otherwise only on a terminal. */
  noColor: boolean;
  forceColor: boolean;
  path: string;
  /** The command `--browser` opens a report with (BROWSER), else xdg-open. */
  browser: string | undefined;
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  return {
    helperPath: env.TACHYON_HELPER || undefined,
    noColor: env.NO_COLOR !== undefined && env.NO_COLOR !== '',
    forceColor: env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0',
    path: env.PATH ?? '',
    browser: env.BROWSER || undefined,
  };
}
