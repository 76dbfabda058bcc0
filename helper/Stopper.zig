//! `--blocking`: stops every thread of the target around each tick, so that a stack is read
//! while nothing changes it, and resumes them right after. The only place where the helper is
//! not read-only towards the target.
//!
//! Threads are attached with `PTRACE_SEIZE`, which neither stops them nor changes their signals,
//! and stopped with `PTRACE_INTERRUPT`. A seized thread is never left stopped: each tick resumes
//! what it stopped, and if the helper dies (even by SIGKILL) the kernel detaches its tracees and
//! lets them run. New threads are found by listing `/proc/PID/task` at each tick.
//!
//! Cost per tick: `lseek` + `getdents64` of the task directory, then per thread one
//! `PTRACE_INTERRUPT`, one `waitpid` and one `PTRACE_CONT`; the target's threads are off CPU for
//! the time of the walk (tens of microseconds).

const std = @import("std");
const linux = std.os.linux;
const limits = @import("limits.zig");
const procfs = @import("procfs.zig");

const Stopper = @This();

pub const Error = error{ PermissionDenied, ProcessGone, OtherFailure };

const Thread = struct {
    tid: linux.pid_t,
    /// Stopped by this tick and to be resumed.
    stopped: bool = false,
    /// In a group stop (SIGSTOP to the process): resumed with `PTRACE_LISTEN`, so it stays stopped.
    group_stop: bool = false,
    /// A signal that arrived while stopping it, to be delivered when it is resumed.
    signal: u32 = 0,
};

task_dir: linux.fd_t,
threads: [limits.blocking_threads_max]Thread = undefined,
count: usize = 0,

/// Opens the task directory and seizes every thread there now.
pub fn init(pid: linux.pid_t) Error!Stopper {
    const fd = procfs.open(pid, "task") catch |err| return switch (err) {
        error.NotFound => error.ProcessGone,
        error.PermissionDenied => error.PermissionDenied,
        error.OtherFailure => error.OtherFailure,
    };
    var stopper: Stopper = .{ .task_dir = fd };
    try stopper.seizeNew();
    if (stopper.count == 0) return error.ProcessGone;
    return stopper;
}

/// Stops every thread; each one that is stopped is resumed by `resumeAll`.
pub fn stopAll(s: *Stopper) void {
    s.seizeNew() catch {};
    for (s.threads[0..s.count]) |*thread| {
        thread.stopped = false;
        const rc = linux.ptrace(linux.PTRACE.INTERRUPT, thread.tid, 0, 0, 0);
        if (linux.errno(rc) != .SUCCESS) {
            // Exited: collect its exit report, so that it does not linger as a zombie.
            var status: i32 = 0;
            _ = linux.waitpid(thread.tid, &status, wall | linux.W.NOHANG);
            thread.tid = 0;
            continue;
        }
        thread.stopped = s.waitForStop(thread);
    }
    s.forgetGone();
}

pub fn resumeAll(s: *Stopper) void {
    for (s.threads[0..s.count]) |*thread| {
        if (!thread.stopped) continue;
        const request: u32 = if (thread.group_stop) linux.PTRACE.LISTEN else linux.PTRACE.CONT;
        _ = linux.ptrace(request, thread.tid, 0, thread.signal, 0);
        thread.stopped = false;
        thread.signal = 0;
        thread.group_stop = false;
    }
}

const wall = 0x40000000; // __WALL: wait for threads too.
const event_stop = 128; // PTRACE_EVENT_STOP

/// Waits until the thread reports a stop; false if it exited instead.
fn waitForStop(s: *Stopper, thread: *Thread) bool {
    _ = s;
    for (0..limits.blocking_wait_attempts_max) |_| {
        var status: i32 = 0;
        const rc = linux.waitpid(thread.tid, &status, wall);
        switch (linux.errno(rc)) {
            .SUCCESS => {},
            .INTR => continue,
            else => {
                thread.tid = 0;
                return false;
            },
        }
        const bits: u32 = @bitCast(status);
        if (!linux.W.IFSTOPPED(bits)) {
            thread.tid = 0; // Exited or killed.
            return false;
        }
        const signal: u32 = @intFromEnum(linux.W.STOPSIG(bits));
        if (bits >> 16 == event_stop) {
            // The interrupt itself (SIGTRAP), or a group stop (SIGSTOP and friends).
            thread.group_stop = signal != @intFromEnum(linux.SIG.TRAP);
        } else {
            // A signal on its way to the thread: stopped here, delivered on resume. Our
            // interrupt stays pending and is consumed at the next tick.
            thread.signal = signal;
        }
        return true;
    }
    return false;
}

/// Seizes the threads of the task directory not seized yet.
fn seizeNew(s: *Stopper) Error!void {
    if (linux.errno(linux.lseek(s.task_dir, 0, 0)) != .SUCCESS) return error.OtherFailure;
    var buffer: [4096]u8 align(8) = undefined;
    for (0..limits.blocking_threads_max) |_| {
        const rc = linux.getdents64(s.task_dir, &buffer, buffer.len);
        if (linux.errno(rc) != .SUCCESS) return error.ProcessGone;
        if (rc == 0) return;
        var offset: usize = 0;
        while (offset < rc) {
            const entry: *align(1) const linux.dirent64 = @ptrCast(&buffer[offset]);
            offset += entry.reclen;
            const name = std.mem.sliceTo(@as([*:0]const u8, @ptrCast(&entry.name)), 0);
            const tid = std.fmt.parseInt(linux.pid_t, name, 10) catch continue;
            if (s.isKnown(tid) or s.count == s.threads.len) continue;
            const seized = linux.ptrace(linux.PTRACE.SEIZE, tid, 0, 0, 0);
            switch (linux.errno(seized)) {
                .SUCCESS => {
                    s.threads[s.count] = .{ .tid = tid };
                    s.count += 1;
                },
                .PERM, .ACCES => return error.PermissionDenied,
                else => {}, // Gone already.
            }
        }
    }
}

fn isKnown(s: *const Stopper, tid: linux.pid_t) bool {
    for (s.threads[0..s.count]) |thread| if (thread.tid == tid) return true;
    return false;
}

fn forgetGone(s: *Stopper) void {
    var kept: usize = 0;
    for (s.threads[0..s.count]) |thread| {
        if (thread.tid == 0) continue;
        s.threads[kept] = thread;
        kept += 1;
    }
    s.count = kept;
}
