//! PID namespaces on Linux: the thread ids a target keeps in its thread states are in its own
//! PID namespace, while `/proc/PID/task/TID/...` (thread names, CPU states) and the ids the
//! helper sends are in the namespace of the `/proc` it reads, the one of the `--pid` the user
//! gave. `Translation` maps the first to the second, from the `NSpid:` line of each
//! `/proc/PID/task/TID/status` (first field: the id in `/proc`'s namespace; last: the id in the
//! thread's own). When the target is in `/proc`'s namespace (one field) it is the identity, and
//! costs nothing per thread.
//!
//! The table is rebuilt when an id it does not know shows up (a new thread), at most once per
//! `limits.pid_namespace_refresh_interval_ns` and never more often than ten times its own cost
//! (a target with thousands of threads, or one that writes made-up ids, costs at most a tenth of
//! the helper's time). An id still unknown after that (a thread that already exited, a made-up
//! id) is sent as it was read.

const std = @import("std");
const limits = @import("../../limits.zig");
const procfs = @import("procfs.zig");
const files = @import("files.zig");
const clock = @import("clock.zig");
const TaskDir = @import("ptrace.zig").TaskDir;

const Pid = std.os.linux.pid_t;

/// The `NSpid:` line of a status file: the id in the reader's `/proc` namespace (`outer`), in the
/// task's own namespace (`inner`), and how many namespaces it has ids in.
pub const NsPid = struct { outer: u32, inner: u32, levels: u32 };

/// Parses the `NSpid:` line of `/proc/.../status`; null when absent (kernels before 4.1) or
/// malformed.
pub fn nsPidFromStatus(text: []const u8) ?NsPid {
    var lines = std.mem.splitScalar(u8, text, '\n');
    while (lines.next()) |line| {
        if (!std.mem.startsWith(u8, line, "NSpid:")) continue;
        var fields = std.mem.tokenizeAny(u8, line["NSpid:".len..], " \t");
        var result: NsPid = .{ .outer = 0, .inner = 0, .levels = 0 };
        // A PID namespace nests at most 32 deep (the kernel's MAX_PID_NS_LEVEL).
        for (0..33) |_| {
            const field = fields.next() orelse break;
            const id = std.fmt.parseInt(u32, field, 10) catch return null;
            if (result.levels == 0) result.outer = id;
            result.inner = id;
            result.levels += 1;
        }
        return if (result.levels == 0 or fields.next() != null) null else result;
    }
    return null;
}

/// One thread: its id in its own namespace (`inner`, 0 = empty slot) and in `/proc`'s.
pub const Entry = struct { inner: u32 = 0, outer: u32 = 0 };

/// Thread ids from the target's namespace to `/proc`'s, as an open-addressed table keyed by the
/// inner id.
pub const Table = struct {
    slots: []Entry,

    pub fn clear(table: *Table) void {
        @memset(table.slots, .{});
    }

    /// Adds or replaces a thread; false when the table is full.
    pub fn put(table: *Table, entry: Entry) bool {
        const mask = table.slots.len - 1;
        var index = hash(entry.inner);
        for (0..table.slots.len) |_| {
            const slot = &table.slots[index & mask];
            if (slot.inner == 0 or slot.inner == entry.inner) {
                slot.* = entry;
                return true;
            }
            index += 1;
        }
        return false;
    }

    pub fn get(table: *const Table, inner: u32) ?u32 {
        const mask = table.slots.len - 1;
        var index = hash(inner);
        for (0..table.slots.len) |_| {
            const slot = table.slots[index & mask];
            if (slot.inner == 0) return null;
            if (slot.inner == inner) return slot.outer;
            index += 1;
        }
        return null;
    }

    fn hash(inner: u32) usize {
        return @intCast((@as(u64, inner) *% 0x9e3779b97f4a7c15) >> 40);
    }
};

/// The target's translation: the identity, or a `Table` kept fresh from `/proc/PID/task`.
pub const Translation = struct {
    pid: Pid,
    /// The target's pid in its own namespace (`pid` itself when there is no translation).
    own_pid: u32,
    /// The target is in a PID namespace below `/proc`'s: ids are translated.
    translating: bool = false,
    table: Table = .{ .slots = &.{} },
    next_refresh_ns: u64 = 0,

    /// Reads the target's own `NSpid:` once; allocates the table only when it is needed.
    pub fn init(gpa: std.mem.Allocator, pid: Pid) std.mem.Allocator.Error!Translation {
        var translation: Translation = .{ .pid = pid, .own_pid = @intCast(pid) };
        const ns_pid = readNsPid(pid, "status") orelse return translation;
        if (ns_pid.levels < 2) return translation;
        translation.translating = true;
        translation.own_pid = ns_pid.inner;
        translation.table = .{ .slots = try gpa.alloc(Entry, 2 * limits.pid_namespace_threads_max) };
        translation.refresh();
        return translation;
    }

    /// The id in `/proc`'s namespace of a thread id read from the target.
    pub fn procTid(t: *Translation, tid: u64) u64 {
        if (!t.translating or tid == 0 or tid > limits.pid_max) return tid;
        const inner: u32 = @intCast(tid);
        if (t.table.get(inner)) |outer| return outer;
        if (clock.monotonicNs() < t.next_refresh_ns) return tid;
        t.refresh();
        return t.table.get(inner) orelse tid;
    }

    /// Rebuilds the table from every thread of `/proc/PID/task`, and sets the earliest time of
    /// the next rebuild.
    fn refresh(t: *Translation) void {
        const start_ns = clock.monotonicNs();
        defer {
            const end_ns = clock.monotonicNs();
            t.next_refresh_ns = end_ns + @max(limits.pid_namespace_refresh_interval_ns, 10 * (end_ns -| start_ns));
        }
        t.table.clear();
        const dir = TaskDir.open(t.pid) catch return;
        defer files.close(dir.fd);
        var visitor: Visitor = .{ .translation = t };
        // Each directory read returns at least a dozen entries.
        dir.list(limits.pid_namespace_threads_max / 12 + 1, &visitor) catch {};
    }

    const Visitor = struct {
        translation: *Translation,
        count: usize = 0,

        pub fn visit(v: *Visitor, tid: Pid) error{ PermissionDenied, ProcessGone, OtherFailure }!void {
            if (v.count == limits.pid_namespace_threads_max) return;
            var name: [48]u8 = undefined;
            const path = std.fmt.bufPrint(&name, "task/{d}/status", .{tid}) catch return;
            const ns_pid = readNsPid(v.translation.pid, path) orelse return;
            if (ns_pid.inner == 0 or !v.translation.table.put(.{ .inner = ns_pid.inner, .outer = @intCast(tid) })) return;
            v.count += 1;
        }
    };
};

/// The `NSpid:` of `/proc/PID/<name>` (a status file).
fn readNsPid(pid: Pid, name: []const u8) ?NsPid {
    const fd = procfs.open(pid, name) catch return null;
    defer files.close(fd);
    var buffer: [limits.status_bytes_max]u8 = undefined;
    const text = files.readAll(fd, &buffer) catch return null;
    return nsPidFromStatus(text);
}

const testing = std.testing;

test "NSpid: one namespace, nested ones, absent or malformed" {
    try testing.expectEqual(NsPid{ .outer = 4321, .inner = 4321, .levels = 1 }, nsPidFromStatus("Name:\tpython3\nNSpid:\t4321\nNSpgid:\t4321\n").?);
    try testing.expectEqual(NsPid{ .outer = 70001, .inner = 7, .levels = 3 }, nsPidFromStatus("Tgid:\t70001\nNSpid:\t70001\t12\t7\n").?);
    try testing.expectEqual(@as(?NsPid, null), nsPidFromStatus("Name:\tx\nPid:\t5\n"));
    try testing.expectEqual(@as(?NsPid, null), nsPidFromStatus("NSpid:\t12\tx\n"));
    try testing.expectEqual(@as(?NsPid, null), nsPidFromStatus("NSpid:\n"));
}

test "the table maps inner ids to outer ones, and is emptied by clear" {
    var slots: [8]Entry = @splat(.{});
    var table: Table = .{ .slots = &slots };
    try testing.expect(table.put(.{ .inner = 1, .outer = 5001 }));
    try testing.expect(table.put(.{ .inner = 9, .outer = 5009 }));
    try testing.expect(table.put(.{ .inner = 1, .outer = 6001 }));
    try testing.expectEqual(@as(?u32, 6001), table.get(1));
    try testing.expectEqual(@as(?u32, 5009), table.get(9));
    try testing.expectEqual(@as(?u32, null), table.get(2));
    for (10..16) |i| try testing.expect(table.put(.{ .inner = @intCast(i), .outer = 1 }));
    try testing.expect(!table.put(.{ .inner = 99, .outer = 1 }));
    try testing.expectEqual(@as(?u32, null), table.get(98));
    table.clear();
    try testing.expectEqual(@as(?u32, null), table.get(9));
}

test "this process is in /proc's namespace: the identity" {
    var translation: Translation = try .init(testing.allocator, std.os.linux.getpid());
    try testing.expect(!translation.translating);
    try testing.expectEqual(@as(u32, @intCast(std.os.linux.getpid())), translation.own_pid);
    try testing.expectEqual(@as(u64, 12345), translation.procTid(12345));
}
