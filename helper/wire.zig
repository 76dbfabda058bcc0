//! The helper's side of the wire: the message kinds and reason codes of `docs/protocol.md`, and
//! a MessagePack encoder that writes those messages into a caller-owned fixed buffer.
//!
//! Every message is one MessagePack array `[kind, field, ...]`; this file knows the field order
//! of each kind and nothing about when messages are sent (`Sampler.zig`) or how the bytes reach
//! stdout (`Output.zig`). The TypeScript mirror is `src/protocol/messages.ts`; a contract test
//! parses the enums below as text, so keep one field per line with an explicit value.

const std = @import("std");
const assert = std.debug.assert;

pub const protocol_version = 5;
/// A frame `0, native_instr_index` is a `<native>` frame (`--native`); `0, 0` the truncation marker.
pub const native_instr_index = 1;
pub const helper_version = "0.1.0";

pub const MessageKind = enum(u8) {
    hello = 1,
    code = 2,
    sample = 3,
    sample_failed = 4,
    stats = 5,
    bye = 6,
    thread_name = 7,
    frame_locals = 8,
};

pub const StopReason = enum(u8) {
    target_exited = 1,
    duration_elapsed = 2,
    stop_requested = 3,
};

pub const FailReason = enum(u8) {
    torn = 1,
    read_error = 2,
    /// The tick ended early: its time or thread budget ran out, or a list looped.
    tick_cut = 3,
};

/// Bits of `sample.status`.
pub const ThreadStatus = struct {
    pub const has_gil: u32 = 1;
    pub const on_cpu: u32 = 2;
    pub const cpu_unknown: u32 = 4;
    pub const has_exception: u32 = 16;
    pub const main_thread: u32 = 32;
    pub const gc_collecting: u32 = 64;
};

/// Bits of `hello.flags`.
pub const HelloFlags = struct {
    pub const free_threaded: u32 = 1;
    pub const debug_build: u32 = 2;
    /// The helper samples under real-time scheduling (`--realtime` was given and granted).
    pub const realtime: u32 = 4;
    /// The target is in a PID namespace below the helper's `/proc`: thread ids read from it were
    /// translated into `hello.pid`'s namespace (`hello.target_ns_pid` is its own pid there).
    pub const other_pid_namespace: u32 = 8;
};

pub const Hello = struct {
    pid: u32,
    python_version_hex: u32,
    layout_source: []const u8,
    runtime_path: []const u8,
    sample_interval_ns: u64,
    start_monotonic_ns: u64,
    start_unix_ns: u64,
    flags: u32,
    /// The target's pid in its own PID namespace (`pid` when it is in the helper's).
    target_ns_pid: u32,
};

pub const Code = struct {
    code_id: u32,
    filename: []const u8,
    name: []const u8,
    qualname: []const u8,
    first_line: i64,
    line_table: []const u8,
};

pub const Stats = struct {
    time_ns: u64,
    ticks_taken: u64,
    ticks_failed: u64,
    ticks_missed: u64,
    retries: u64,
};

/// One local variable of a `frame_locals` message: its name and a short repr (`Locals.zig`).
pub const Local = struct {
    name: []const u8,
    repr: []const u8,
};

/// Bytes a `frame_locals` message needs at most.
pub fn frameLocalsBytesMax(locals: []const Local) usize {
    var bytes: usize = 64;
    for (locals) |local| bytes += 10 + local.name.len + local.repr.len;
    return bytes;
}

/// Bytes a `sample` message needs at most, whatever its frames.
pub fn sampleBytesMax(frame_ints: usize) usize {
    return 64 + 9 * frame_ints;
}

/// Bytes a `code` message needs at most.
pub fn codeBytesMax(code: Code) usize {
    return 64 + code.filename.len + code.name.len + code.qualname.len + code.line_table.len;
}

/// Appends MessagePack values to `buffer`. The caller reserves enough room first (see
/// `Output.reserve`); running out of room is a bug, caught by an assertion.
pub const Encoder = struct {
    buffer: []u8,
    len: usize = 0,

    pub fn writeHello(e: *Encoder, hello: Hello) void {
        e.arrayHeader(12);
        e.uint(@intFromEnum(MessageKind.hello));
        e.uint(protocol_version);
        e.str(helper_version);
        e.uint(hello.pid);
        e.uint(hello.python_version_hex);
        e.str(hello.layout_source);
        e.str(hello.runtime_path);
        e.uint(hello.sample_interval_ns);
        e.uint(hello.start_monotonic_ns);
        e.uint(hello.start_unix_ns);
        e.uint(hello.flags);
        e.uint(hello.target_ns_pid);
    }

    pub fn writeCode(e: *Encoder, code: Code) void {
        assert(code.code_id >= 1);
        e.arrayHeader(7);
        e.uint(@intFromEnum(MessageKind.code));
        e.uint(code.code_id);
        e.str(code.filename);
        e.str(code.name);
        e.str(code.qualname);
        e.int(code.first_line);
        e.bin(code.line_table);
    }

    /// `frames` holds `code_id, instr_index` pairs, leaf first.
    pub fn writeSample(e: *Encoder, time_ns: u64, thread_id: u64, status: u32, frames: []const u32) void {
        assert(frames.len % 2 == 0);
        e.arrayHeader(5);
        e.uint(@intFromEnum(MessageKind.sample));
        e.uint(time_ns);
        e.uint(thread_id);
        e.uint(status);
        e.arrayHeader(@intCast(frames.len));
        for (frames) |value| e.uint(value);
    }

    pub fn writeSampleFailed(e: *Encoder, time_ns: u64, thread_id: u64, reason: FailReason) void {
        e.arrayHeader(4);
        e.uint(@intFromEnum(MessageKind.sample_failed));
        e.uint(time_ns);
        e.uint(thread_id);
        e.uint(@intFromEnum(reason));
    }

    pub fn writeStats(e: *Encoder, stats: Stats) void {
        e.arrayHeader(6);
        e.uint(@intFromEnum(MessageKind.stats));
        e.uint(stats.time_ns);
        e.uint(stats.ticks_taken);
        e.uint(stats.ticks_failed);
        e.uint(stats.ticks_missed);
        e.uint(stats.retries);
    }

    /// A thread's OS name (`ThreadNames.zig`), sent before its next sample when it changed.
    pub fn writeThreadName(e: *Encoder, time_ns: u64, thread_id: u64, name: []const u8) void {
        e.arrayHeader(4);
        e.uint(@intFromEnum(MessageKind.thread_name));
        e.uint(time_ns);
        e.uint(thread_id);
        e.str(name);
    }

    /// The locals of frame `frame_index` (leaf first) of the thread's sample just sent, as a
    /// flat array `name, repr, name, repr, ...` (`--locals`).
    pub fn writeFrameLocals(e: *Encoder, time_ns: u64, thread_id: u64, frame_index: u32, locals: []const Local) void {
        e.arrayHeader(5);
        e.uint(@intFromEnum(MessageKind.frame_locals));
        e.uint(time_ns);
        e.uint(thread_id);
        e.uint(frame_index);
        e.arrayHeader(@intCast(2 * locals.len));
        for (locals) |local| {
            e.str(local.name);
            e.str(local.repr);
        }
    }

    pub fn writeBye(e: *Encoder, reason: StopReason) void {
        e.arrayHeader(2);
        e.uint(@intFromEnum(MessageKind.bye));
        e.uint(@intFromEnum(reason));
    }

    fn arrayHeader(e: *Encoder, count: u32) void {
        if (count < 16) {
            e.byte(0x90 | @as(u8, @intCast(count)));
        } else if (count <= std.math.maxInt(u16)) {
            e.byte(0xdc);
            e.bigEndian(u16, @intCast(count));
        } else {
            e.byte(0xdd);
            e.bigEndian(u32, count);
        }
    }

    fn uint(e: *Encoder, value: u64) void {
        if (value < 0x80) {
            e.byte(@intCast(value));
        } else if (value <= std.math.maxInt(u8)) {
            e.byte(0xcc);
            e.byte(@intCast(value));
        } else if (value <= std.math.maxInt(u16)) {
            e.byte(0xcd);
            e.bigEndian(u16, @intCast(value));
        } else if (value <= std.math.maxInt(u32)) {
            e.byte(0xce);
            e.bigEndian(u32, @intCast(value));
        } else {
            e.byte(0xcf);
            e.bigEndian(u64, value);
        }
    }

    fn int(e: *Encoder, value: i64) void {
        if (value >= 0) return e.uint(@intCast(value));
        if (value >= -32) {
            e.byte(@bitCast(@as(i8, @intCast(value))));
        } else {
            e.byte(0xd3);
            e.bigEndian(i64, value);
        }
    }

    fn str(e: *Encoder, bytes: []const u8) void {
        if (bytes.len < 32) {
            e.byte(0xa0 | @as(u8, @intCast(bytes.len)));
        } else if (bytes.len <= std.math.maxInt(u8)) {
            e.byte(0xd9);
            e.byte(@intCast(bytes.len));
        } else if (bytes.len <= std.math.maxInt(u16)) {
            e.byte(0xda);
            e.bigEndian(u16, @intCast(bytes.len));
        } else {
            e.byte(0xdb);
            e.bigEndian(u32, @intCast(bytes.len));
        }
        e.raw(bytes);
    }

    fn bin(e: *Encoder, bytes: []const u8) void {
        if (bytes.len <= std.math.maxInt(u8)) {
            e.byte(0xc4);
            e.byte(@intCast(bytes.len));
        } else if (bytes.len <= std.math.maxInt(u16)) {
            e.byte(0xc5);
            e.bigEndian(u16, @intCast(bytes.len));
        } else {
            e.byte(0xc6);
            e.bigEndian(u32, @intCast(bytes.len));
        }
        e.raw(bytes);
    }

    fn bigEndian(e: *Encoder, comptime T: type, value: T) void {
        var bytes: [@sizeOf(T)]u8 = undefined;
        std.mem.writeInt(T, &bytes, value, .big);
        e.raw(&bytes);
    }

    fn byte(e: *Encoder, value: u8) void {
        e.raw(&.{value});
    }

    fn raw(e: *Encoder, bytes: []const u8) void {
        assert(e.len + bytes.len <= e.buffer.len);
        @memcpy(e.buffer[e.len..][0..bytes.len], bytes);
        e.len += bytes.len;
    }
};

const testing = std.testing;

test "sample encodes as a MessagePack array, frames leaf first" {
    var buffer: [64]u8 = undefined;
    var e: Encoder = .{ .buffer = &buffer };
    e.writeSample(1000, 70000, ThreadStatus.has_gil | ThreadStatus.main_thread, &.{ 1, 300, 0, 0 });
    try testing.expectEqualSlices(u8, &.{
        0x95, 0x03, // array(5), kind sample
        0xcd, 0x03, 0xe8, // time_ns 1000
        0xce, 0x00, 0x01, 0x11, 0x70, // thread_id 70000
        0x21, // status 33
        0x94, 0x01, 0xcd, 0x01, 0x2c, 0x00, 0x00, // frames [1, 300, 0, 0]
    }, e.buffer[0..e.len]);
}

test "code encodes strings, a negative line and the raw line table" {
    var buffer: [64]u8 = undefined;
    var e: Encoder = .{ .buffer = &buffer };
    e.writeCode(.{ .code_id = 7, .filename = "a.py", .name = "f", .qualname = "C.f", .first_line = -1, .line_table = &.{ 0x80, 0x00 } });
    try testing.expectEqualSlices(u8, &.{
        0x97, 0x02, 0x07,
        0xa4, 'a', '.', 'p', 'y',
        0xa1, 'f',
        0xa3, 'C', '.', 'f',
        0xff, // -1 as a negative fixint
        0xc4, 0x02, 0x80, 0x00,
    }, e.buffer[0..e.len]);
}

test "stats, sample_failed and bye" {
    var buffer: [64]u8 = undefined;
    var e: Encoder = .{ .buffer = &buffer };
    e.writeStats(.{ .time_ns = 1 << 32, .ticks_taken = 5, .ticks_failed = 0, .ticks_missed = 200, .retries = 1 });
    e.writeSampleFailed(9, 0, .torn);
    e.writeBye(.stop_requested);
    try testing.expectEqualSlices(u8, &.{
        0x96, 0x05, 0xcf, 0, 0, 0, 1, 0, 0, 0, 0, 0x05, 0x00, 0xcc, 200, 0x01,
        0x94, 0x04, 0x09, 0x00, 0x01,
        0x92, 0x06, 0x03,
    }, e.buffer[0..e.len]);
}

test "thread_name" {
    var buffer: [32]u8 = undefined;
    var e: Encoder = .{ .buffer = &buffer };
    e.writeThreadName(9, 300, "worker");
    try testing.expectEqualSlices(u8, &.{ 0x94, 0x07, 0x09, 0xcd, 0x01, 0x2c, 0xa6, 'w', 'o', 'r', 'k', 'e', 'r' }, e.buffer[0..e.len]);
}

test "long strings and arrays use the wider headers" {
    var buffer: [400]u8 = undefined;
    var e: Encoder = .{ .buffer = &buffer };
    const long: [300]u8 = @splat('x');
    e.str(long[0..40]);
    try testing.expectEqualSlices(u8, &.{ 0xd9, 40 }, e.buffer[0..2]);
    e.len = 0;
    e.str(&long);
    try testing.expectEqualSlices(u8, &.{ 0xda, 0x01, 0x2c }, e.buffer[0..3]);
    e.len = 0;
    e.arrayHeader(16);
    try testing.expectEqualSlices(u8, &.{ 0xdc, 0x00, 0x10 }, e.buffer[0..3]);
}
