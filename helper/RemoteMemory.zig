//! Reads of the target's memory, and nothing else: the helper never writes to the target. The
//! process implementation of the memory interface (`memory.zig`).
//!
//! Normally the reads use one batched system call per `readSegments` (`os.memory.readProcess`).
//! When the helper runs setuid, `main.zig` opens the target's memory file while still privileged
//! and the reads become positioned reads on that descriptor (`os.memory.readFile`), so no
//! privilege is needed after the drop. Both paths have the same semantics: a read of several
//! segments stops at the first one that cannot be read and says how many bytes it got.

const std = @import("std");
const assert = std.debug.assert;
const limits = @import("limits.zig");
const os = @import("os.zig");
const memory_interface = @import("memory.zig");

const RemoteMemory = @This();

pid: os.Pid,
/// The target's memory file opened before privileges were dropped; null means one batched
/// system call per read.
mem_fd: ?os.Fd = null,

pub const Error = memory_interface.Error;
pub const Segment = memory_interface.Segment;
pub const wordAt = memory_interface.wordAt;

/// Reads exactly `buffer.len` bytes at `address`.
pub fn read(memory: RemoteMemory, address: u64, buffer: []u8) Error!void {
    return memory_interface.read(memory, address, buffer);
}

/// Reads one little-endian value of type `T` at `address`.
pub fn readValue(memory: RemoteMemory, comptime T: type, address: u64) Error!T {
    return memory_interface.readValue(memory, T, address);
}

/// Reads the segments in order with one system call (or one positioned read each), stopping at
/// the first segment that cannot be read in full. Returns the number of bytes read; the
/// segments before that point are complete.
pub fn readSegments(memory: RemoteMemory, segments: []const Segment) Error!usize {
    assert(segments.len <= limits.iovecs_max);
    const readable = memory_interface.readablePrefix(segments);
    if (readable.len == 0) return error.Unmapped;
    if (memory.mem_fd) |fd| return os.memory.readFile(fd, readable);
    return os.memory.readProcess(memory.pid, readable);
}

test "reads this process's own memory through both paths" {
    const secret: [16]u8 = "tachyon-selftest".*;
    const self: RemoteMemory = .{ .pid = os.process.selfPid() };
    var copy: [16]u8 = undefined;
    try self.read(@intFromPtr(&secret), &copy);
    try std.testing.expectEqualSlices(u8, &secret, &copy);

    const value: u64 = 0x0102030405060708;
    try std.testing.expectEqual(value, try self.readValue(u64, @intFromPtr(&value)));
    try std.testing.expectError(error.Unmapped, self.read(8, &copy));
    // A segment at address 0 ends the read there, like any unreadable one.
    var first: [16]u8 = undefined;
    var second: [16]u8 = undefined;
    const stops = [_]Segment{ .{ .address = @intFromPtr(&secret), .buffer = &first }, .{ .address = 0, .buffer = &second } };
    try std.testing.expectEqual(@as(usize, 16), try self.readSegments(&stops));
    try std.testing.expectError(error.Unmapped, self.readSegments(stops[1..]));

    const fd = try os.procfs.openSelf("mem");
    defer os.files.close(fd);
    const through_file: RemoteMemory = .{ .pid = self.pid, .mem_fd = fd };
    @memset(&copy, 0);
    try through_file.read(@intFromPtr(&secret), &copy);
    try std.testing.expectEqualSlices(u8, &secret, &copy);
    try std.testing.expectError(error.Unmapped, through_file.read(8, &copy));
}
