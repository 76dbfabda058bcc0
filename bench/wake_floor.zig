//! The benchmark's floor: a loop that does nothing but sleep to absolute deadlines at a rate, as
//! the helper does between samples, and prints the share of a core it used. On a VM, waking up
//! a thousand times a second is not free; this is what any sampler that sleeps pays before it
//! reads anything. Usage: zig run bench/wake_floor.zig -- RATE_HZ SECONDS  (prints a percentage)

const std = @import("std");
const linux = std.os.linux;

pub fn main(init: std.process.Init.Minimal) !void {
    const argv = init.args.vector;
    if (argv.len != 3) return error.Usage;
    const rate_hz = try std.fmt.parseInt(u64, std.mem.span(argv[1]), 10);
    const seconds = try std.fmt.parseInt(u64, std.mem.span(argv[2]), 10);
    if (rate_hz == 0 or rate_hz > 1_000_000 or seconds == 0 or seconds > 600) return error.BadArguments;
    const interval_ns = std.time.ns_per_s / rate_hz;
    // The helper's own timer slack (helper/Priority.zig), so that wake-ups land on the deadlines.
    _ = linux.prctl(@intFromEnum(linux.PR.SET_TIMERSLACK), 1, 0, 0, 0);

    const start_ns = clockNs(.MONOTONIC);
    const cpu_start_ns = clockNs(.THREAD_CPUTIME_ID);
    var deadline_ns = start_ns;
    for (0..rate_hz * seconds) |_| {
        deadline_ns += interval_ns;
        const ts: linux.timespec = .{ .sec = @intCast(deadline_ns / std.time.ns_per_s), .nsec = @intCast(deadline_ns % std.time.ns_per_s) };
        _ = linux.clock_nanosleep(.MONOTONIC, .{ .ABSTIME = true }, &ts, null);
    }
    const cpu_ns = clockNs(.THREAD_CPUTIME_ID) - cpu_start_ns;
    const wall_ns = clockNs(.MONOTONIC) - start_ns;
    var buffer: [64]u8 = undefined;
    const line = try std.fmt.bufPrint(&buffer, "{d:.2}\n", .{@as(f64, @floatFromInt(cpu_ns)) * 100.0 / @as(f64, @floatFromInt(wall_ns))});
    _ = linux.write(1, line.ptr, line.len);
}

fn clockNs(clock: linux.clockid_t) u64 {
    var ts: linux.timespec = undefined;
    _ = linux.clock_gettime(clock, &ts);
    return @as(u64, @intCast(ts.sec)) * std.time.ns_per_s + @as(u64, @intCast(ts.nsec));
}
