//! Whether a target thread is on a CPU, from the state letter of `/proc/PID/task/TID/stat`
//! (`--cpu-state`). One descriptor per thread is opened on first use and kept, so a read
//! costs one `pread` of a few dozen bytes (the kernel formats the whole line, about 1-2 us),
//! and nothing at all when `--cpu-state` is not given. The sampler reads each thread twice,
//! before and after its stack walk, and combines them with `both`.
//!
//! Descriptors are direct-mapped by TID: a thread whose slot is taken by another evicts it
//! (closed, re-opened when that thread comes back). A thread that has exited reads as an error
//! and its slot is freed.

const std = @import("std");
const os = @import("os.zig");
const limits = @import("limits.zig");

const TaskStates = @This();

pub const State = enum { on_cpu, off_cpu, unknown };

const Slot = struct { tid: u64 = 0, fd: os.Fd = -1 };

pid: os.Pid,
slots: [limits.task_stat_fds_max]Slot = @splat(.{}),

pub fn init(pid: os.Pid) TaskStates {
    return .{ .pid = pid };
}

/// The state of thread `tid` now: `R` (running or runnable) is on a CPU; `S`, `D`, `T`, `t`,
/// `Z`, `X`, `I` are not; anything else, or a thread that cannot be read, is unknown.
pub fn state(ts: *TaskStates, tid: u64) State {
    if (tid == 0 or tid > std.math.maxInt(i32)) return .unknown;
    const slot = &ts.slots[@intCast(tid % limits.task_stat_fds_max)];
    if (slot.tid != tid) {
        if (slot.fd >= 0) os.files.close(slot.fd);
        slot.* = .{};
        var name: [48]u8 = undefined;
        const path = std.fmt.bufPrint(&name, "task/{d}/stat", .{tid}) catch return .unknown;
        slot.fd = os.procfs.open(ts.pid, path) catch return .unknown;
        slot.tid = tid;
    }
    var buffer: [limits.task_stat_bytes]u8 = undefined;
    const rc = os.files.pread(slot.fd, &buffer, 0) orelse 0;
    if (rc == 0) {
        os.files.close(slot.fd);
        slot.* = .{};
        return .unknown;
    }
    return classify(os.procfs.stateFromStat(buffer[0..rc]));
}

/// A thread read twice, around a stack walk, was on a CPU all along only if both reads say so.
pub fn both(before: State, after: State) State {
    if (before == .unknown or after == .unknown) return .unknown;
    return if (before == .on_cpu and after == .on_cpu) .on_cpu else .off_cpu;
}

pub fn classify(letter: ?u8) State {
    return switch (letter orelse return .unknown) {
        'R' => .on_cpu,
        'S', 'D', 'T', 't', 'Z', 'X', 'I', 'P', 'W', 'K' => .off_cpu,
        else => .unknown,
    };
}

const testing = std.testing;

test "state letters" {
    try testing.expectEqual(State.on_cpu, classify('R'));
    try testing.expectEqual(State.off_cpu, classify('S'));
    try testing.expectEqual(State.off_cpu, classify('D'));
    try testing.expectEqual(State.unknown, classify(null));
    try testing.expectEqual(State.unknown, classify('?'));
}

test "this thread reads as on a CPU, a missing one as unknown" {
    var states: TaskStates = .init(os.process.selfPid());
    const tid: u64 = @intCast(os.process.selfTid());
    try testing.expectEqual(State.on_cpu, states.state(tid));
    try testing.expectEqual(State.on_cpu, states.state(tid)); // the kept descriptor
    try testing.expectEqual(State.unknown, states.state(std.math.maxInt(i32) - 1));
}

test "two reads around a walk" {
    try testing.expectEqual(State.on_cpu, both(.on_cpu, .on_cpu));
    try testing.expectEqual(State.off_cpu, both(.on_cpu, .off_cpu));
    try testing.expectEqual(State.off_cpu, both(.off_cpu, .on_cpu));
    try testing.expectEqual(State.off_cpu, both(.off_cpu, .off_cpu));
    try testing.expectEqual(State.unknown, both(.unknown, .on_cpu));
    try testing.expectEqual(State.unknown, both(.off_cpu, .unknown));
}
