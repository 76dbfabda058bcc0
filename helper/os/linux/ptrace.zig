//! `--blocking` on Linux: attaching to the target's threads with `PTRACE_SEIZE` (which neither
//! stops them nor changes their signals), stopping them with `PTRACE_INTERRUPT`, waiting for the
//! stop, resuming them, and listing `/proc/PID/task` to find new threads. `Stopper.zig` decides
//! which thread gets what.

const std = @import("std");
const linux = std.os.linux;
const procfs = @import("procfs.zig");

pub const Tid = linux.pid_t;

const wall = 0x40000000; // __WALL: wait for threads too.
const event_stop = 128; // PTRACE_EVENT_STOP

pub const SeizeResult = enum { seized, denied, gone };

pub fn seize(tid: Tid) SeizeResult {
    return switch (linux.errno(linux.ptrace(linux.PTRACE.SEIZE, tid, 0, 0, 0))) {
        .SUCCESS => .seized,
        .PERM, .ACCES => .denied,
        else => .gone,
    };
}

/// Asks a seized thread to stop; false if it has exited (its exit report is then collected,
/// so that it does not linger as a zombie).
pub fn interrupt(tid: Tid) bool {
    const rc = linux.ptrace(linux.PTRACE.INTERRUPT, tid, 0, 0, 0);
    if (linux.errno(rc) == .SUCCESS) return true;
    var status: i32 = 0;
    _ = linux.waitpid(tid, &status, wall | linux.W.NOHANG);
    return false;
}

/// Resumes a stopped thread: one in a group stop with `PTRACE_LISTEN` (so it stays stopped),
/// else with `PTRACE_CONT`, delivering `signal` (0 for none).
pub fn resumeThread(tid: Tid, group_stop: bool, signal: u32) void {
    const request: u32 = if (group_stop) linux.PTRACE.LISTEN else linux.PTRACE.CONT;
    _ = linux.ptrace(request, tid, 0, signal, 0);
}

/// What `waitStop` saw.
pub const Stop = union(enum) {
    /// Interrupted by a signal of ours: wait again.
    again,
    /// Exited or killed.
    gone,
    /// Stopped by our interrupt.
    interrupted,
    /// Stopped in a group stop (SIGSTOP and friends).
    group_stop,
    /// Stopped by a signal on its way to the thread, to be delivered on resume.
    signal: u32,
};

/// Waits for one report from a seized thread.
pub fn waitStop(tid: Tid) Stop {
    var status: i32 = 0;
    const rc = linux.waitpid(tid, &status, wall);
    switch (linux.errno(rc)) {
        .SUCCESS => {},
        .INTR => return .again,
        else => return .gone,
    }
    const bits: u32 = @bitCast(status);
    if (!linux.W.IFSTOPPED(bits)) return .gone;
    const signal: u32 = @intFromEnum(linux.W.STOPSIG(bits));
    if (bits >> 16 != event_stop) return .{ .signal = signal };
    return if (signal != @intFromEnum(linux.SIG.TRAP)) .group_stop else .interrupted;
}

pub const TaskError = error{ PermissionDenied, ProcessGone, OtherFailure };

/// The target's thread directory, `/proc/PID/task`, kept open and listed again at each tick.
pub const TaskDir = struct {
    fd: linux.fd_t,

    pub fn open(pid: Tid) TaskError!TaskDir {
        const fd = procfs.open(pid, "task") catch |err| return switch (err) {
            error.NotFound => error.ProcessGone,
            error.PermissionDenied => error.PermissionDenied,
            error.OtherFailure => error.OtherFailure,
        };
        return .{ .fd = fd };
    }

    /// Calls `visitor.visit(tid)` for each thread listed, with at most `reads_max` directory
    /// reads; stops at the visitor's first error.
    pub fn list(dir: TaskDir, reads_max: usize, visitor: anytype) TaskError!void {
        if (linux.errno(linux.lseek(dir.fd, 0, 0)) != .SUCCESS) return error.OtherFailure;
        var buffer: [4096]u8 align(8) = undefined;
        for (0..reads_max) |_| {
            const rc = linux.getdents64(dir.fd, &buffer, buffer.len);
            if (linux.errno(rc) != .SUCCESS) return error.ProcessGone;
            if (rc == 0) return;
            var offset: usize = 0;
            while (offset < rc) {
                const entry: *align(1) const linux.dirent64 = @ptrCast(&buffer[offset]);
                offset += entry.reclen;
                const name = std.mem.sliceTo(@as([*:0]const u8, @ptrCast(&entry.name)), 0);
                const tid = std.fmt.parseInt(Tid, name, 10) catch continue;
                try visitor.visit(tid);
            }
        }
    }
};
