//! The command line: long options only, each `--key=value` or a bare `--flag`, validated into
//! an `Options` value. Parsing is pure (no I/O) so every rule is tested below; `main.zig` prints
//! the usage text and the error.

const std = @import("std");
const build_options = @import("build_options");
const os = @import("os.zig");
const limits = @import("limits.zig");

const Options = @This();

pid: os.Pid,
rate_hz: u32 = 1000,
/// 0 means until the target exits or the helper is stopped.
duration_ms: u64 = 0,
all_threads: bool = false,
stop_on_stdin_eof: bool = false,
retries: u32 = limits.retries_default,
/// Read each sampled thread's OS state (`on_cpu` status bit) from `/proc/PID/task/TID/stat`.
cpu_state: bool = false,
/// Report `<native>` frames where C called into Python (3.11+).
native: bool = false,
/// Stop the target's threads around each tick (`Stopper.zig`).
blocking: bool = false,
/// Sample under real-time scheduling when permitted (`Priority.zig`).
realtime: bool = false,
/// After each sample, a `frame_locals` message per frame (`Locals.zig`; for `tachyon dump`).
locals: bool = false,
/// Builds with `-Dtest-hooks=true` only (hidden, absent from `usage`): panic on purpose at this
/// point of the start-up, so that a test sees what a panic while privileged does.
test_panic: ?TestPanic = null,

pub const TestPanic = enum { before_drop, after_drop };

pub const Command = union(enum) {
    run: Options,
    version,
    help,
};

pub const usage =
    \\usage: tachyon-helper --pid=PID [--rate-hz=1000] [--duration-ms=0] [--all-threads]
    \\                      [--stop-on-stdin-eof] [--retries=4] [--cpu-state] [--native]
    \\                      [--blocking]  (rate at most 1000 Hz)  [--realtime] [--locals]
    \\       tachyon-helper --version
    \\       tachyon-helper --help
    \\
    \\Samples the Python stacks of process PID and writes MessagePack messages to stdout
    \\(see docs/protocol.md).
    \\
;

pub const Error = error{Usage};

/// Parses the arguments after the program name. On error, `message` holds one sentence.
pub fn parse(args: []const []const u8, message: *[256]u8) Error!Command {
    var pid: ?os.Pid = null;
    var options: Options = .{ .pid = 0 };
    for (args) |arg| {
        if (!std.mem.startsWith(u8, arg, "--")) return fail(message, "unexpected argument '{s}'", .{arg});
        const separator = std.mem.findScalar(u8, arg, '=');
        const key = arg[2 .. separator orelse arg.len];
        const value: ?[]const u8 = if (separator) |at| arg[at + 1 ..] else null;

        if (std.mem.eql(u8, key, "help")) return .help;
        if (std.mem.eql(u8, key, "version")) return .version;
        if (std.mem.eql(u8, key, "all-threads")) {
            options.all_threads = try flag(key, value, message);
        } else if (std.mem.eql(u8, key, "native")) {
            options.native = try flag(key, value, message);
        } else if (std.mem.eql(u8, key, "blocking")) {
            options.blocking = try flag(key, value, message);
        } else if (std.mem.eql(u8, key, "locals")) {
            options.locals = try flag(key, value, message);
        } else if (std.mem.eql(u8, key, "realtime")) {
            options.realtime = try flag(key, value, message);
        } else if (std.mem.eql(u8, key, "cpu-state")) {
            options.cpu_state = try flag(key, value, message);
        } else if (std.mem.eql(u8, key, "stop-on-stdin-eof")) {
            options.stop_on_stdin_eof = try flag(key, value, message);
        } else if (std.mem.eql(u8, key, "pid")) {
            pid = try number(os.Pid, key, value, 1, std.math.maxInt(os.Pid), message);
        } else if (std.mem.eql(u8, key, "rate-hz")) {
            options.rate_hz = try number(u32, key, value, limits.rate_hz_min, limits.rate_hz_max, message);
        } else if (std.mem.eql(u8, key, "duration-ms")) {
            options.duration_ms = try number(u64, key, value, 0, std.math.maxInt(u32), message);
        } else if (std.mem.eql(u8, key, "retries")) {
            options.retries = try number(u32, key, value, 0, limits.retries_max, message);
        } else if (build_options.test_hooks and std.mem.eql(u8, key, "test-panic")) {
            options.test_panic = try testPanic(value, message);
        } else {
            return fail(message, "unknown option '--{s}'", .{key});
        }
    }
    options.pid = pid orelse return fail(message, "missing required option --pid=PID", .{});
    if (options.blocking and options.rate_hz > limits.blocking_rate_hz_max)
        return fail(message, "option --blocking: {d} Hz is above the {d} Hz that stopping every thread at each tick can sustain", .{ options.rate_hz, limits.blocking_rate_hz_max });
    return .{ .run = options };
}

pub fn intervalNs(options: Options) u64 {
    return std.time.ns_per_s / options.rate_hz;
}

fn testPanic(value: ?[]const u8, message: *[256]u8) Error!TestPanic {
    const text = value orelse "";
    if (std.mem.eql(u8, text, "before-drop")) return .before_drop;
    if (std.mem.eql(u8, text, "after-drop")) return .after_drop;
    return fail(message, "option --test-panic: '{s}' is not before-drop or after-drop", .{text});
}

fn flag(key: []const u8, value: ?[]const u8, message: *[256]u8) Error!bool {
    if (value != null) return fail(message, "option --{s} takes no value", .{key});
    return true;
}

fn number(comptime T: type, key: []const u8, value: ?[]const u8, min: T, max: T, message: *[256]u8) Error!T {
    const text = value orelse return fail(message, "option --{s} needs a value: --{s}=N", .{ key, key });
    const parsed = std.fmt.parseInt(T, text, 10) catch
        return fail(message, "option --{s}: '{s}' is not a whole number", .{ key, text });
    if (parsed < min or parsed > max)
        return fail(message, "option --{s}: {d} is outside {d}..{d}", .{ key, parsed, min, max });
    return parsed;
}

fn fail(message: *[256]u8, comptime format: []const u8, args: anytype) Error {
    const written = std.fmt.bufPrint(message[0 .. message.len - 1], format, args) catch message[0 .. message.len - 1];
    message[written.len] = 0;
    return error.Usage;
}

const testing = std.testing;

fn expectUsage(args: []const []const u8, expected: []const u8) !void {
    var message: [256]u8 = undefined;
    try testing.expectError(error.Usage, parse(args, &message));
    try testing.expectEqualStrings(expected, std.mem.sliceTo(&message, 0));
}

test "defaults and every option" {
    var message: [256]u8 = undefined;
    const minimal = (try parse(&.{"--pid=42"}, &message)).run;
    try testing.expectEqual(@as(os.Pid, 42), minimal.pid);
    try testing.expectEqual(@as(u32, 1000), minimal.rate_hz);
    try testing.expectEqual(@as(u64, 1_000_000), minimal.intervalNs());
    try testing.expect(!minimal.all_threads and !minimal.stop_on_stdin_eof);

    const full = (try parse(&.{ "--rate-hz=200000", "--pid=7", "--duration-ms=2000", "--all-threads", "--stop-on-stdin-eof", "--retries=0", "--cpu-state", "--realtime", "--locals" }, &message)).run;
    try testing.expectEqual(@as(u32, 200000), full.rate_hz);
    try testing.expectEqual(@as(u64, 2000), full.duration_ms);
    try testing.expect(full.all_threads and full.stop_on_stdin_eof and full.cpu_state and full.realtime and full.locals);
    try testing.expectEqual(@as(u32, 0), full.retries);

    try testing.expectEqual(Command.version, try parse(&.{"--version"}, &message));
    try testing.expectEqual(Command.help, try parse(&.{ "--pid=1", "--help" }, &message));
}

test "bad options name the problem" {
    try expectUsage(&.{}, "missing required option --pid=PID");
    try expectUsage(&.{ "--pid=1", "--rate-hz=0" }, "option --rate-hz: 0 is outside 1..200000");
    try expectUsage(&.{ "--pid=1", "--rate-hz=200001" }, "option --rate-hz: 200001 is outside 1..200000");
    try expectUsage(&.{"--pid=abc"}, "option --pid: 'abc' is not a whole number");
    try expectUsage(&.{"--pid"}, "option --pid needs a value: --pid=N");
    try expectUsage(&.{ "--pid=1", "--all-threads=yes" }, "option --all-threads takes no value");
    try expectUsage(&.{ "--pid=1", "-p" }, "unexpected argument '-p'");
    try expectUsage(&.{ "--pid=1", "--rate=5" }, "unknown option '--rate'");
    try expectUsage(&.{ "--pid=1", "--blocking", "--rate-hz=1001" }, "option --blocking: 1001 Hz is above the 1000 Hz that stopping every thread at each tick can sustain");
}

test "--test-panic exists only in builds with test hooks" {
    var message: [256]u8 = undefined;
    if (!build_options.test_hooks) {
        try expectUsage(&.{ "--pid=1", "--test-panic=before-drop" }, "unknown option '--test-panic'");
        return;
    }
    try testing.expectEqual(TestPanic.after_drop, (try parse(&.{ "--pid=1", "--test-panic=after-drop" }, &message)).run.test_panic.?);
    try expectUsage(&.{ "--pid=1", "--test-panic=later" }, "option --test-panic: 'later' is not before-drop or after-drop");
}
