//! Real-time scheduling for the sampling loop (`--realtime`), so that ticks land on time, and
//! precise timers in every case.
//!
//! A sleeping thread at normal priority is woken up to 50 us after its deadline (the kernel's
//! default timer slack, which lets it batch wake-ups): at 10 kHz that loses ticks, and it caps the
//! rate near 11,000 ticks a second whatever is asked. `preciseTimers` sets the slack to 1 ns.
//! Real-time threads have no slack anyway.
//!
//! On a busy machine a helper at normal priority wakes late whenever the target's threads hold
//! every CPU, and it wakes late most often right after the target's own wake-ups (a thread
//! handing the GIL to another preempts it): the ticks it misses are not spread evenly over what
//! the target does, and function shares drift by points. With `SCHED_FIFO` at the lowest
//! real-time priority the helper runs as soon as a tick is due. That needs `CAP_SYS_NICE` (root)
//! or an `RLIMIT_RTPRIO` above 0; without it the helper stays at normal priority and says so in
//! the `hello` flags. A privileged (setuid) helper asks only after dropping its privileges
//! (`main.zig`), so it gets real-time priority only if its caller could have had it.
//!
//! A real-time task that spun would starve the CPU it runs on, so the helper gives the priority
//! back as soon as its own CPU time over one stats window exceeds
//! `limits.realtime_cpu_percent_max` of the window, and never asks for it above
//! `limits.realtime_rate_hz_max`.

const std = @import("std");
const os = @import("os.zig");
const limits = @import("limits.zig");

const Priority = @This();

/// Whether the calling thread currently runs under `SCHED_FIFO`.
realtime: bool = false,
/// The thread's CPU time and the monotonic time at the start of the current window.
window_cpu_ns: u64 = 0,
window_start_ns: u64 = 0,

/// Wake-ups on time: timer slack of 1 ns for the calling thread (no privilege needed).
pub fn preciseTimers() void {
    os.scheduling.preciseTimers();
}

/// Asks for real-time scheduling when the rate allows it; returns whether it was granted.
pub fn enter(rate_hz: u32, now_ns: u64) Priority {
    if (rate_hz > limits.realtime_rate_hz_max) return .{};
    if (!os.scheduling.enterRealtime()) return .{};
    return .{ .realtime = true, .window_cpu_ns = os.clock.threadCpuNs(), .window_start_ns = now_ns };
}

/// Called once per stats window: leaves real-time scheduling if the helper used more of the
/// CPU than it may. Returns true when it just left.
pub fn check(p: *Priority, now_ns: u64) bool {
    if (!p.realtime) return false;
    const cpu_ns = os.clock.threadCpuNs();
    const used_ns = cpu_ns -| p.window_cpu_ns;
    const wall_ns = now_ns -| p.window_start_ns;
    p.window_cpu_ns = cpu_ns;
    p.window_start_ns = now_ns;
    if (!overBudget(used_ns, wall_ns)) return false;
    p.leave();
    return true;
}

/// Returns to normal scheduling (also when sampling ends).
pub fn leave(p: *Priority) void {
    if (!p.realtime) return;
    os.scheduling.leaveRealtime();
    p.realtime = false;
}

fn overBudget(used_ns: u64, wall_ns: u64) bool {
    return used_ns * 100 > wall_ns * limits.realtime_cpu_percent_max;
}

test "the CPU budget" {
    const s = std.time.ns_per_s;
    try std.testing.expect(!overBudget(s / 10, s));
    try std.testing.expect(!overBudget(s * limits.realtime_cpu_percent_max / 100, s));
    try std.testing.expect(overBudget(s * limits.realtime_cpu_percent_max / 100 + 1, s));
    try std.testing.expect(overBudget(1, 0));
}

test "no real-time priority above the rate limit" {
    const p = enter(limits.realtime_rate_hz_max + 1, 0);
    try std.testing.expect(!p.realtime);
}
