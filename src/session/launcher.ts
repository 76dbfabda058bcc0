/**
 * `run`'s launcher: a few lines of Python passed with `-c` that start the interpreter, tell the
 * orchestrator it is ready, wait for the go-ahead (sent once the helper has attached), and only
 * then run the user's script or module as `__main__`. The handshake runs over file descriptor 3,
 * a socket pair the orchestrator hands to the child, so the target's own stdin, stdout and
 * stderr pass through untouched. The launcher's code is compiled under the file name
 * `<tachyon-launcher>`; the symbolizer cuts those frames and their callers from every stack.
 * Passing it with -c (not as a file) lets it work inside a chroot or container, where no file of
 * ours exists. It is written to run on every Python Tachyon supports.
 *
 * The launcher's own module runs as a call of a function made from its code, not through `exec`:
 * on 3.11+ a Python call stays in the same evaluation loop, while `exec` enters a new one from C,
 * whose entry frame lives on the C stack, one more place in memory the helper reads at every
 * sample. (A function made from module code runs it with its globals as its locals, as `exec`
 * does.) The script itself is run with `exec`, entered from C as `python script.py` enters it,
 * so its stacks have the same shape (`--native` shows that entry at the root). A traceback of an
 * uncaught exception leaves out the launcher's frames, as `python script.py` (or `-m`) shows it.
 */
import { LAUNCHER_FILENAME } from '../symbolize/symbolizer.js';

export const LAUNCHER_FD = 3;
export const READY_BYTE = 'R';
export const GO_BYTE = 'G';

// Everything the launcher needs is imported before it reports ready, so that no import of its own
// is sampled once the target runs.
const LAUNCHER_SOURCE = `
import os, sys, runpy, types
def _tachyon_excepthook(kind, value, tb, hook=sys.excepthook):
    while tb is not None and tb.tb_frame.f_code.co_filename in ("<string>", "${LAUNCHER_FILENAME}"):
        tb = tb.tb_next
    if isinstance(value, BaseException):
        value.__traceback__ = tb
    hook(kind, value, tb)
def _tachyon_start():
    fd = ${LAUNCHER_FD}
    os.write(fd, b"${READY_BYTE}")
    answer = os.read(fd, 1)
    os.close(fd)
    if answer != b"${GO_BYTE}":
        sys.stderr.write("tachyon: the profiler went away before the target started\\n")
        sys.exit(1)
    sys.excepthook = _tachyon_excepthook
    args = sys.argv[1:]
    if args[0] == "-m":
        sys.argv = args[1:]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
        return
    path = args[0]
    sys.argv = args
    sys.path[0] = os.path.dirname(os.path.abspath(path))
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__builtins__ = __builtins__
    sys.modules["__main__"] = main
    with open(path, "rb") as source:
        code = compile(source.read(), path, "exec")
    exec(code, main.__dict__)
_tachyon_start()
`;

/** The interpreter arguments that run `target` (a script path, or `-m module`) under the launcher. */
export function launcherArgs(target: string[]): string[] {
  const bootstrap = `import types; types.FunctionType(compile(${JSON.stringify(LAUNCHER_SOURCE)}, ${JSON.stringify(LAUNCHER_FILENAME)}, "exec"), globals())()`;
  return ['-c', bootstrap, ...target];
}
