//! `--blocking`: stops every thread of the target around each tick, so that a stack is read
//! while nothing changes it, and resumes them right after. The only place where the helper is
//! not read-only towards the target.
//!
//! Threads are attached with `PTRACE_SEIZE`, which neither stops them nor changes their signals,
//! and stopped with `PTRACE_INTERRUPT`. A seized thread is never left stopped: each tick resumes
//! what it stopped, and if the helper dies (even by SIGKILL) the kernel detaches its tracees and
//! lets them run. New threads are found by listing `/proc/PID/task` at each tick.
//!
//! The system calls are `os.ptrace`'s. Cost per tick: `lseek` + `getdents64` of the task directory, then per thread one
//! `PTRACE_INTERRUPT`, one `waitpid` and one `PTRACE_CONT`; the target's threads are off CPU for
//! the time of the walk (tens of microseconds).

const std = @import("std");
const limits = @import("limits.zig");
const os = @import("os.zig");
const ptrace = os.ptrace;

const Stopper = @This();

pub const Error = ptrace.TaskError;

const Thread = struct {
    tid: ptrace.Tid,
    /// Stopped by this tick and to be resumed.
    stopped: bool = false,
    /// In a group stop (SIGSTOP to the process): resumed so that it stays stopped.
    group_stop: bool = false,
    /// A signal that arrived while stopping it, to be delivered when it is resumed.
    signal: u32 = 0,
};

task_dir: ptrace.TaskDir,
threads: [limits.blocking_threads_max]Thread = undefined,
count: usize = 0,

/// Opens the task directory and seizes every thread there now.
pub fn init(pid: os.Pid) Error!Stopper {
    var stopper: Stopper = .{ .task_dir = try .open(pid) };
    try stopper.seizeNew();
    if (stopper.count == 0) return error.ProcessGone;
    return stopper;
}

/// Stops every thread; each one that is stopped is resumed by `resumeAll`.
pub fn stopAll(s: *Stopper) void {
    s.seizeNew() catch {};
    for (s.threads[0..s.count]) |*thread| {
        thread.stopped = false;
        if (!ptrace.interrupt(thread.tid)) {
            thread.tid = 0; // Exited.
            continue;
        }
        thread.stopped = waitForStop(thread);
    }
    s.forgetGone();
}

pub fn resumeAll(s: *Stopper) void {
    for (s.threads[0..s.count]) |*thread| {
        if (!thread.stopped) continue;
        ptrace.resumeThread(thread.tid, thread.group_stop, thread.signal);
        thread.stopped = false;
        thread.signal = 0;
        thread.group_stop = false;
    }
}

/// Waits until the thread reports a stop; false if it exited instead.
fn waitForStop(thread: *Thread) bool {
    for (0..limits.blocking_wait_attempts_max) |_| {
        switch (ptrace.waitStop(thread.tid)) {
            .again => continue,
            .gone => {
                thread.tid = 0;
                return false;
            },
            // The interrupt itself, or a group stop.
            .interrupted => thread.group_stop = false,
            .group_stop => thread.group_stop = true,
            // A signal on its way to the thread: stopped here, delivered on resume. Our
            // interrupt stays pending and is consumed at the next tick.
            .signal => |signal| thread.signal = signal,
        }
        return true;
    }
    return false;
}

/// Seizes the threads of the task directory not seized yet.
fn seizeNew(s: *Stopper) Error!void {
    try s.task_dir.list(limits.blocking_threads_max, s);
}

/// One thread listed by `seizeNew`.
pub fn visit(s: *Stopper, tid: ptrace.Tid) Error!void {
    if (s.isKnown(tid) or s.count == s.threads.len) return;
    switch (ptrace.seize(tid)) {
        .seized => {
            s.threads[s.count] = .{ .tid = tid };
            s.count += 1;
        },
        .denied => return error.PermissionDenied,
        .gone => {}, // Gone already.
    }
}

fn isKnown(s: *const Stopper, tid: ptrace.Tid) bool {
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
