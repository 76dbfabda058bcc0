//! Scheduling on Linux: timer slack, and entering or leaving `SCHED_FIFO` for the calling
//! thread (`--realtime`; `Priority.zig` decides when).

const linux = @import("std").os.linux;

/// Wake-ups on time: timer slack of 1 ns for the calling thread (no privilege needed).
pub fn preciseTimers() void {
    _ = linux.prctl(@intFromEnum(linux.PR.SET_TIMERSLACK), 1, 0, 0, 0);
}

/// Asks for `SCHED_FIFO` at the lowest real-time priority; returns whether it was granted.
pub fn enterRealtime() bool {
    const param: linux.sched_param = .{ .priority = 1 };
    const rc = linux.sched_setscheduler(0, .{ .mode = .FIFO, .RESET_ON_FORK = true }, &param);
    return linux.errno(rc) == .SUCCESS;
}

/// Returns to normal scheduling.
pub fn leaveRealtime() void {
    const param: linux.sched_param = .{ .priority = 0 };
    _ = linux.sched_setscheduler(0, .{ .mode = .NORMAL }, &param);
}
