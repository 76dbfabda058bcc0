//! This process on Linux: its pid and tid, and the signal handlers that ask for a clean stop
//! (its privileges are `credentials.zig`).

const linux = @import("std").os.linux;

pub const Pid = linux.pid_t;

pub fn selfPid() Pid {
    return linux.getpid();
}

pub fn selfTid() Pid {
    return linux.gettid();
}

/// Ends the process at once with `code`: no clean-up, no buffered output (the panic handler).
pub fn exitNow(code: u8) noreturn {
    linux.exit_group(code);
}

/// SIGINT and SIGTERM call `on_stop` (a sleep returns early: no SA_RESTART); SIGPIPE is
/// ignored so that a closed stdout shows up as a failed write.
pub fn installStopHandlers(comptime on_stop: fn () void) void {
    const handler = struct {
        fn onSignal(_: linux.SIG) callconv(.c) void {
            on_stop();
        }
    };
    const stop: linux.Sigaction = .{ .handler = .{ .handler = handler.onSignal }, .mask = linux.sigemptyset(), .flags = 0 };
    _ = linux.sigaction(.INT, &stop, null);
    _ = linux.sigaction(.TERM, &stop, null);
    const ignore: linux.Sigaction = .{ .handler = .{ .handler = linux.SIG.IGN }, .mask = linux.sigemptyset(), .flags = 0 };
    _ = linux.sigaction(.PIPE, &ignore, null);
}
