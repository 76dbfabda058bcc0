//! Clocks on Linux: monotonic and wall-clock time, this thread's CPU time, and sleeping to an
//! absolute monotonic deadline.

const std = @import("std");
const linux = std.os.linux;

pub fn monotonicNs() u64 {
    return clockNs(.MONOTONIC);
}

pub fn realtimeNs() u64 {
    return clockNs(.REALTIME);
}

/// CPU time used by the calling thread.
pub fn threadCpuNs() u64 {
    return clockNs(.THREAD_CPUTIME_ID);
}

fn clockNs(clock: linux.clockid_t) u64 {
    var ts: linux.timespec = undefined;
    _ = linux.clock_gettime(clock, &ts);
    return @as(u64, @intCast(ts.sec)) * std.time.ns_per_s + @as(u64, @intCast(ts.nsec));
}

/// Sleeps until the monotonic clock reaches `deadline_ns`, or a signal arrives.
pub fn sleepUntil(deadline_ns: u64) void {
    const ts: linux.timespec = .{
        .sec = @intCast(deadline_ns / std.time.ns_per_s),
        .nsec = @intCast(deadline_ns % std.time.ns_per_s),
    };
    _ = linux.clock_nanosleep(.MONOTONIC, .{ .ABSTIME = true }, &ts, null);
}
