//! The thread list: which thread states a tick samples. By default only the main thread of the
//! main interpreter, whose addresses (`MainRoots`) are re-read only every
//! `limits.roots_refresh_interval_ns` or after a failed read; with `--all-threads` every thread
//! of every interpreter, the first interpreter's list head being predicted from the previous
//! tick and checked in the same system call as its first thread (`InterpreterProbe`).
//!
//! A tick is bounded as a whole (`TickBounds`): at most `limits.threads_max` threads across all
//! interpreters, each thread state and interpreter once (one seen twice ends its list: the
//! target's list loops), at most `limits.tickTimeMaxNs`, and a stop (signal, stdin end of file,
//! `--duration-ms`) is noticed between two threads.

const std = @import("std");
const limits = @import("limits.zig");
const memory_interface = @import("memory.zig");
const Output = @import("Output.zig");
const Sampler = @import("Sampler.zig");
const thread_status = @import("thread_status.zig");
const wire = @import("wire.zig");
const os_clock = @import("os.zig").clock;
const CycleDetector = @import("cycle.zig").CycleDetector;

pub const MainRoots = struct { interpreter: u64, tstate: u64, expires_ns: u64 };

/// One tick's threads: with `--all-threads` every thread of every interpreter, else the main
/// thread of the main interpreter.
pub fn sampleInterpreters(s: *Sampler, now_ns: u64, tally: *Sampler.Tally) (memory_interface.Error || Output.Error)!void {
    if (!s.options.all_threads) return sampleMainThread(s, now_ns, tally);
    const o = s.offsets;
    // The first interpreter lives as long as the runtime: its address is re-read only every
    // `limits.roots_refresh_interval_ns`, or after a failed read.
    const head = if (s.interpreters_head) |cached| if (now_ns < cached.expires_ns) cached.address else null else null;
    var address = head orelse try s.memory.readValue(u64, s.target.runtime_address + o.runtime.interpreters_head);
    if (head == null) s.interpreters_head = .{ .address = address, .expires_ns = now_ns + limits.roots_refresh_interval_ns };
    errdefer s.interpreters_head = null;
    errdefer s.first_threads = null;
    for (0..limits.interpreters_max, 0..) |_, index| {
        if (address == 0 or !s.bounds.admitInterpreter(address)) break;
        var interp: Interpreter = undefined;
        var tstate: u64 = 0;
        if (index == 0 and s.first_threads != null) {
            tstate = try sampleFirstPredicted(s, address, &interp, now_ns, tally);
        } else {
            interp = try readInterpreter(s, address);
            tstate = interp.threads_head;
        }
        if (index == 0) s.first_threads = .{ .head = interp.threads_head, .main = interp.threads_main };
        if (o.thread.id_is_pthread and !s.tid_offset_searched and interp.id == 0) {
            const main_thread = if (interp.threads_main != 0) interp.threads_main else try oldestThread(s, interp.threads_head);
            if (main_thread != 0) thread_status.learnTidOffset(s, try s.memory.readValue(u64, main_thread +% o.thread.native_thread_id));
        }
        // One iteration more than the budget: the admission after the last thread it allows is
        // what tells a list cut by the budget from a list that ended.
        for (0..limits.threads_max + 1) |_| {
            if (tstate == 0) break;
            const checked_ns = os_clock.monotonicNs();
            switch (s.bounds.admitThread(tstate, checked_ns, s.stopDue(checked_ns))) {
                .sample => {},
                .end_list => break,
                .end_tick => return,
            }
            // On 3.13 (no `threads.main`) the main thread is the oldest: the last in the list.
            tstate = s.sampleThread(tstate, interp.threads_main, address, now_ns, tally) catch |err| switch (err) {
                error.ListChanged, error.ProbeUnread => unreachable, // Only with `probe` set.
                else => |e| return e,
            };
        }
        if (s.bounds.end != null) return;
        address = interp.next;
    }
}

/// The first interpreter's thread list head as the previous tick found it, sampled with the
/// interpreter read alongside (`probe`). Fills `interp`; returns the next thread to sample.
fn sampleFirstPredicted(s: *Sampler, address: u64, interp: *Interpreter, now_ns: u64, tally: *Sampler.Tally) (memory_interface.Error || Output.Error)!u64 {
    const o = s.offsets;
    const predicted = s.first_threads.?;
    s.probe = .{ .address = address };
    defer s.probe = null;
    if (s.sampleThread(predicted.head, predicted.main, address, now_ns, tally)) |next| {
        interp.* = s.probe.?.interpreter(o.interpreter);
        // Sampled before its admission: the tick's first thread, admitted whatever its bounds.
        s.bounds.noteFirst(predicted.head);
        return next;
    } else |err| switch (err) {
        error.ListChanged => {
            interp.* = s.probe.?.interpreter(o.interpreter);
            return interp.threads_head;
        },
        error.ProbeUnread => {
            interp.* = try readInterpreter(s, address);
            return interp.threads_head;
        },
        else => |e| return e,
    }
}

/// The default: only the main thread of the main interpreter (id 0).
fn sampleMainThread(s: *Sampler, now_ns: u64, tally: *Sampler.Tally) (memory_interface.Error || Output.Error)!void {
    const roots = if (s.main_roots) |roots| if (now_ns < roots.expires_ns) roots else null else null;
    const current = roots orelse try findMainRoots(s, now_ns);
    if (current.tstate == 0) return;
    if (s.offsets.thread.id_is_pthread and !s.tid_offset_searched) {
        thread_status.learnTidOffset(s, try s.memory.readValue(u64, current.tstate +% s.offsets.thread.native_thread_id));
    }
    const failed_before = tally.failed;
    _ = s.sampleThread(current.tstate, current.tstate, current.interpreter, now_ns, tally) catch |err| {
        s.main_roots = null;
        return switch (err) {
            error.ListChanged, error.ProbeUnread => unreachable, // Only with `probe` set.
            else => |e| e,
        };
    };
    // A failed walk may come from a stale thread address: look again next tick.
    if (tally.failed != failed_before) s.main_roots = null;
}

fn findMainRoots(s: *Sampler, now_ns: u64) memory_interface.Error!MainRoots {
    var address = try s.memory.readValue(u64, s.target.runtime_address + s.offsets.runtime.interpreters_head);
    var loop: CycleDetector = .{};
    const roots: MainRoots = for (0..limits.interpreters_max) |_| {
        if (address == 0 or loop.step(address)) break .{ .interpreter = 0, .tstate = 0, .expires_ns = 0 };
        const interp = try readInterpreter(s, address);
        if (interp.id == 0) {
            const main_thread = if (interp.threads_main != 0) interp.threads_main else try oldestThread(s, interp.threads_head);
            break .{ .interpreter = address, .tstate = main_thread, .expires_ns = now_ns + limits.roots_refresh_interval_ns };
        }
        address = interp.next;
    } else .{ .interpreter = 0, .tstate = 0, .expires_ns = 0 };
    s.main_roots = if (roots.tstate != 0) roots else null;
    return roots;
}

/// 3.13 has no `threads.main`: new threads are pushed at the head, so the main thread is last.
/// A thread state that points to itself ends the list too; a longer loop has no last thread.
fn oldestThread(s: *Sampler, head: u64) memory_interface.Error!u64 {
    var tstate = head;
    var loop: CycleDetector = .{};
    for (0..limits.threads_max) |_| {
        if (tstate == 0 or loop.step(tstate)) return 0;
        const next = try s.memory.readValue(u64, tstate +% s.offsets.thread.next);
        if (next == 0 or next == tstate) return tstate;
        tstate = next;
    }
    return 0;
}

pub const Interpreter = struct {
    id: i64,
    next: u64,
    threads_head: u64,
    /// 0 when the layout has no `threads.main` (3.13).
    threads_main: u64,
};

/// The fields of an interpreter state the walk needs, read into `values` by the segments that
/// `plan` makes (alone, or inside a thread state's read).
pub const InterpreterProbe = struct {
    address: u64,
    values: [4][8]u8 = @splat(@splat(0)),

    pub fn plan(p: *InterpreterProbe, o: anytype, segments: []memory_interface.Segment) usize {
        segments[0] = .{ .address = p.address +% o.id, .buffer = &p.values[0] };
        segments[1] = .{ .address = p.address +% o.next, .buffer = &p.values[1] };
        segments[2] = .{ .address = p.address +% o.threads_head, .buffer = &p.values[2] };
        segments[3] = .{ .address = p.address +% (o.threads_main orelse o.threads_head), .buffer = &p.values[3] };
        return if (o.threads_main != null) 4 else 3;
    }

    pub fn interpreter(p: *const InterpreterProbe, o: anytype) Interpreter {
        return .{
            .id = @bitCast(std.mem.readInt(u64, &p.values[0], .little)),
            .next = std.mem.readInt(u64, &p.values[1], .little),
            .threads_head = std.mem.readInt(u64, &p.values[2], .little),
            .threads_main = if (o.threads_main != null) std.mem.readInt(u64, &p.values[3], .little) else 0,
        };
    }
};

/// Reads the fields of one interpreter state the walk needs, in one system call.
fn readInterpreter(s: *Sampler, address: u64) memory_interface.Error!Interpreter {
    var probe: InterpreterProbe = .{ .address = address };
    var segments: [4]memory_interface.Segment = undefined;
    const count = probe.plan(s.offsets.interpreter, &segments);
    if (try s.memory.readSegments(segments[0..count]) != 8 * count) return error.Unmapped;
    return probe.interpreter(s.offsets.interpreter);
}

/// Why a speculative first sample (`first_threads`) was dropped before it was sent.
pub const ProbeError = error{
    /// The interpreter's thread list is not what the previous tick saw.
    ListChanged,
    /// The combined read failed; the list is read again on its own.
    ProbeUnread,
};

/// What `TickBounds.admitThread` decides for the next thread of a list.
pub const Admission = enum { sample, end_list, end_tick };

/// Why a tick ended before its lists did: `cut` (a bound was reached or a list looped; the tick
/// is counted as failed) or a stop to honour at once.
pub const TickEnd = union(enum) { cut, stop: wire.StopReason };

/// The bounds of one tick: a thread budget shared by all interpreters, a time limit, and the
/// thread states and interpreters already visited (a second visit means the list loops).
pub const TickBounds = struct {
    deadline_ns: u64 = 0,
    threads_left: u32 = 0,
    /// Set when the tick must end, or its current list ended early.
    end: ?TickEnd = null,
    looped: bool = false,
    seen: Seen,
    interpreters: [limits.interpreters_max]u64 = undefined,
    interpreter_count: usize = 0,

    pub fn start(b: *TickBounds, tick: u64, now_ns: u64, interval_ns: u64) void {
        b.deadline_ns = now_ns + limits.tickTimeMaxNs(interval_ns);
        b.threads_left = limits.threads_max;
        b.end = null;
        b.looped = false;
        b.interpreter_count = 0;
        b.seen.tick = tick;
    }

    /// Whether an interpreter is visited for the first time this tick.
    pub fn admitInterpreter(b: *TickBounds, address: u64) bool {
        for (b.interpreters[0..b.interpreter_count]) |seen| if (seen == address) {
            b.looped = true;
            return false;
        };
        if (b.interpreter_count == b.interpreters.len) return false;
        b.interpreters[b.interpreter_count] = address;
        b.interpreter_count += 1;
        return true;
    }

    /// Whether the next thread of a list is sampled, ends its list (seen before this tick), or
    /// ends the tick (its budget or time is used up, or `stop` is due: `Sampler.stopDue`).
    pub fn admitThread(b: *TickBounds, tstate: u64, now_ns: u64, stop: ?wire.StopReason) Admission {
        if (b.end != null) return .end_tick;
        if (stop) |reason| {
            b.end = .{ .stop = reason };
            return .end_tick;
        }
        if (b.threads_left == 0 or now_ns >= b.deadline_ns) {
            b.end = .cut;
            return .end_tick;
        }
        if (!b.seen.insert(tstate)) {
            b.looped = true;
            return .end_list;
        }
        b.threads_left -= 1;
        return .sample;
    }

    /// The tick's first thread, sampled before it was admitted (`sampleFirstPredicted`).
    pub fn noteFirst(b: *TickBounds, tstate: u64) void {
        _ = b.seen.insert(tstate);
        b.threads_left -|= 1;
    }
};

/// The thread states visited in the current tick: an open-addressed table whose slots carry the
/// tick that filled them, so a new tick starts empty without clearing anything.
pub const Seen = struct {
    pub const Slot = struct { address: u64 = 0, tick: u64 = 0 };
    slots: []Slot,
    tick: u64 = 0,

    /// Adds `address`; false if it was already there this tick (or the table is full).
    pub fn insert(seen: *Seen, address: u64) bool {
        const mask = seen.slots.len - 1;
        var index: usize = @intCast((address *% 0x9e3779b97f4a7c15) >> 40);
        for (0..seen.slots.len) |_| {
            const slot = &seen.slots[index & mask];
            if (slot.tick != seen.tick) {
                slot.* = .{ .address = address, .tick = seen.tick };
                return true;
            }
            if (slot.address == address) return false;
            index += 1;
        }
        return false;
    }
};

const testing = std.testing;

test "a thread state seen twice in a tick is refused; a new tick starts empty" {
    var slots: [16]Seen.Slot = @splat(.{});
    var seen: Seen = .{ .slots = &slots, .tick = 1 };
    try testing.expect(seen.insert(0x1000));
    try testing.expect(seen.insert(0x2000));
    try testing.expect(!seen.insert(0x1000));
    seen.tick = 2;
    try testing.expect(seen.insert(0x1000));
    try testing.expect(!seen.insert(0x1000));
    // Full: every further address is refused rather than probed forever.
    for (0..15) |i| _ = seen.insert(0x10_0000 + i * 8);
    try testing.expect(!seen.insert(0x99_0000));
}

test "an interpreter seen twice in a tick ends the walk" {
    var slots: [16]Seen.Slot = @splat(.{});
    var bounds: TickBounds = .{ .seen = .{ .slots = &slots } };
    bounds.start(1, 0, 1000);
    try testing.expect(bounds.admitInterpreter(0x5000));
    try testing.expect(bounds.admitInterpreter(0x6000));
    try testing.expect(!bounds.admitInterpreter(0x5000));
    try testing.expect(bounds.looped);
    bounds.start(2, 0, 1000);
    try testing.expect(bounds.admitInterpreter(0x5000));
    try testing.expectEqual(limits.tick_time_floor_ns, bounds.deadline_ns);
}

test "a thread is admitted once per tick, within the budget, the time and no stop" {
    var slots: [limits.seen_slots]Seen.Slot = @splat(.{});
    var bounds: TickBounds = .{ .seen = .{ .slots = &slots } };
    // At 1 Hz the limit is 4 intervals; at 10 kHz the floor.
    bounds.start(1, 0, std.time.ns_per_s);
    try testing.expectEqual(4 * std.time.ns_per_s, bounds.deadline_ns);
    bounds.start(1, 0, 100 * std.time.ns_per_us);
    try testing.expectEqual(Admission.sample, bounds.admitThread(0x1000, 5, null));
    try testing.expectEqual(Admission.end_list, bounds.admitThread(0x1000, 6, null));
    try testing.expect(bounds.looped and bounds.end == null);
    try testing.expectEqual(Admission.end_tick, bounds.admitThread(0x2000, limits.tick_time_floor_ns, null));
    try testing.expect(bounds.end.? == .cut);
    try testing.expectEqual(Admission.end_tick, bounds.admitThread(0x3000, 7, null));

    bounds.start(2, 0, 100 * std.time.ns_per_us);
    try testing.expectEqual(Admission.sample, bounds.admitThread(0x1000, 1, null));
    try testing.expectEqual(Admission.end_tick, bounds.admitThread(0x2000, 2, .stop_requested));
    try testing.expect(bounds.end.?.stop == .stop_requested);

    bounds.start(3, 0, 100 * std.time.ns_per_us);
    for (0..limits.threads_max) |i| try testing.expectEqual(Admission.sample, bounds.admitThread(0x1000 + 8 * i, 1, null));
    try testing.expectEqual(Admission.end_tick, bounds.admitThread(0x99_0000, 1, null));
    try testing.expect(bounds.end.? == .cut and !bounds.looped);
}
