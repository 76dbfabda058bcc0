//! The OS name of each sampled thread, from `/proc/PID/task/TID/comm`, for the `thread_name`
//! message. CPython 3.14+ gives each `threading.Thread` its name there (cut to 15 bytes); on
//! older versions a thread keeps the process's name unless the program sets one itself.
//!
//! A thread's name is read when the thread is first sampled, again 10 ms and 100 ms later (a
//! thread names itself just after it starts, often after its first sample, and later on a slow
//! debug build), then at most once per `limits.thread_name_recheck_ns`; `changed` says when the
//! name to report differs from the one last reported.
//! Slots are direct-mapped by TID: a thread whose slot is taken by another evicts it and is
//! simply read again when it comes back.

const std = @import("std");
const os = @import("os.zig");
const limits = @import("limits.zig");

const ThreadNames = @This();

/// `comm` holds at most 15 bytes and a newline.
pub const name_bytes_max = 16;

const Slot = struct {
    tid: u64 = 0,
    checked_ns: u64 = 0,
    /// Reads so far: the wait before the next one grows with them.
    checks: u8 = 0,
    len: u8 = 0,
    name: [name_bytes_max]u8 = undefined,
};

pid: os.Pid,
slots: [limits.thread_names_max]Slot = @splat(.{}),

pub fn init(pid: os.Pid) ThreadNames {
    return .{ .pid = pid };
}

/// The thread's name if it is due for a check and differs from the last one reported for it;
/// null otherwise (also when it cannot be read: the thread is gone).
pub fn changed(tn: *ThreadNames, tid: u64, now_ns: u64) ?[]const u8 {
    if (tid == 0 or tid > std.math.maxInt(i32)) return null;
    const slot = &tn.slots[@intCast(tid % limits.thread_names_max)];
    if (slot.tid == tid and now_ns -| slot.checked_ns < recheckAfterNs(slot.checks)) return null;
    if (slot.tid != tid) slot.* = .{ .tid = tid };
    slot.checked_ns = now_ns;
    slot.checks +|= 1;

    var buffer: [name_bytes_max]u8 = undefined;
    const name = tn.read(tid, &buffer) orelse return null;
    if (slot.len > 0 and std.mem.eql(u8, slot.name[0..slot.len], name)) return null;
    @memcpy(slot.name[0..name.len], name);
    slot.len = @intCast(name.len);
    return slot.name[0..slot.len];
}

/// The wait before the next read of a name already read `checks` times: 10 ms, 100 ms, then
/// `limits.thread_name_recheck_ns`.
fn recheckAfterNs(checks: u8) u64 {
    return switch (checks) {
        0, 1 => 10 * std.time.ns_per_ms,
        2 => 100 * std.time.ns_per_ms,
        else => limits.thread_name_recheck_ns,
    };
}

fn read(tn: *ThreadNames, tid: u64, buffer: *[name_bytes_max]u8) ?[]const u8 {
    var path: [48]u8 = undefined;
    const relative = std.fmt.bufPrint(&path, "task/{d}/comm", .{tid}) catch return null;
    const fd = os.procfs.open(tn.pid, relative) catch return null;
    defer os.files.close(fd);
    const text = os.files.readAll(fd, buffer) catch return null;
    return trimName(text);
}

/// `comm` ends with a newline; an empty name is no name.
pub fn trimName(text: []const u8) ?[]const u8 {
    const name = std.mem.trimEnd(u8, text, "\n");
    return if (name.len == 0) null else name;
}

const testing = std.testing;

test "names from comm text" {
    try testing.expectEqualStrings("worker-1", trimName("worker-1\n").?);
    try testing.expectEqualStrings("python3.15", trimName("python3.15\n").?);
    try testing.expect(trimName("\n") == null);
}

test "this thread: reported once, then again only when due and changed" {
    var names: ThreadNames = .init(os.process.selfPid());
    const tid: u64 = @intCast(os.process.selfTid());
    const first = names.changed(tid, 1).?;
    try testing.expect(first.len > 0);
    try testing.expect(names.changed(tid, 2) == null);
    // Read again after 10 ms, 100 ms and then each recheck interval, reported only if changed.
    try testing.expect(names.changed(tid, 1 + 10 * std.time.ns_per_ms) == null);
    try testing.expectEqual(@as(u8, 2), names.slots[@intCast(tid % limits.thread_names_max)].checks);
    try testing.expect(names.changed(tid, 2 + limits.thread_name_recheck_ns) == null);
    try testing.expect(names.changed(1 << 30, 3) == null);
}
