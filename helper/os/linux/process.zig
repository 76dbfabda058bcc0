//! This process on Linux: its pid and tid, its user ids and dropping privileges (when installed
//! setuid), and the signal handlers that ask for a clean stop.

const linux = @import("std").os.linux;

pub const Pid = linux.pid_t;
pub const Uid = linux.uid_t;

pub fn selfPid() Pid {
    return linux.getpid();
}

pub fn selfTid() Pid {
    return linux.gettid();
}

pub fn realUid() Uid {
    return linux.getuid();
}

pub fn effectiveUid() Uid {
    return linux.geteuid();
}

pub const Ids = struct { uid: Uid, gid: linux.gid_t };

/// The real uid and gid, which `dropPrivileges` keeps.
pub fn realIds() Ids {
    return .{ .uid = linux.getuid(), .gid = linux.getgid() };
}

/// Sets every uid and gid to the real ones; returns whether it took.
pub fn dropPrivileges(ids: Ids) bool {
    return linux.errno(linux.setresgid(ids.gid, ids.gid, ids.gid)) == .SUCCESS and
        linux.errno(linux.setresuid(ids.uid, ids.uid, ids.uid)) == .SUCCESS and
        linux.geteuid() == ids.uid;
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
