//! Reads of the target's memory, and nothing else: the helper never writes to the target.
//!
//! Normally the reads use `process_vm_readv`. When the helper runs setuid, `main.zig` opens
//! `/proc/PID/mem` while still privileged and the reads become `pread`s on that descriptor, so
//! no privilege is needed after the drop. Both paths have the same semantics: a read of several
//! segments stops at the first one that cannot be read and says how many bytes it got.

const std = @import("std");
const linux = std.os.linux;
const assert = std.debug.assert;
const limits = @import("limits.zig");

const RemoteMemory = @This();

pid: linux.pid_t,
/// `/proc/PID/mem` opened before privileges were dropped; null means `process_vm_readv`.
mem_fd: ?linux.fd_t = null,

pub const Error = error{
    /// The target exited (or is exiting).
    ProcessGone,
    /// This user may not read the target.
    PermissionDenied,
    /// The address range is not (or no longer) mapped in the target.
    Unmapped,
};

/// One remote range and the local buffer it is copied into.
pub const Segment = struct {
    address: u64,
    buffer: []u8,
};

/// Reads exactly `buffer.len` bytes at `address`.
pub fn read(memory: RemoteMemory, address: u64, buffer: []u8) Error!void {
    if (address == 0) return error.Unmapped;
    const segments = [_]Segment{.{ .address = address, .buffer = buffer }};
    if (try memory.readSegments(&segments) != buffer.len) return error.Unmapped;
}

/// The little-endian u64 at `offset` of bytes already copied from the target (a struct read in
/// one go, then picked apart field by field).
pub fn wordAt(bytes: []const u8, offset: u64) u64 {
    return std.mem.readInt(u64, bytes[@intCast(offset)..][0..8], .little);
}

/// Reads one little-endian value of type `T` at `address`.
pub fn readValue(memory: RemoteMemory, comptime T: type, address: u64) Error!T {
    var bytes: [@sizeOf(T)]u8 = undefined;
    try memory.read(address, &bytes);
    return std.mem.readInt(T, &bytes, .little);
}

/// Scratch for `readSegments`, static rather than on the stack: a safe build fills every
/// `undefined` local with 0xaa, which for 2 x 16 KiB of iovecs per read was the helper's
/// largest cost at 1 kHz. The helper samples from one thread.
var local_iovecs: [limits.iovecs_max]std.posix.iovec = undefined;
var remote_iovecs: [limits.iovecs_max]std.posix.iovec_const = undefined;

/// Reads the segments in order with one system call (or one `pread` each), stopping at the
/// first segment that cannot be read in full. Returns the number of bytes read; the segments
/// before that point are complete.
pub fn readSegments(memory: RemoteMemory, segments: []const Segment) Error!usize {
    assert(segments.len <= limits.iovecs_max);
    // Address 0 is never mapped (and is no valid iovec base): the read stops there, as it
    // would at any unreadable segment. Torn reads hand out such addresses.
    var readable = segments.len;
    for (segments, 0..) |segment, i| if (segment.address == 0) {
        readable = i;
        break;
    };
    if (readable == 0) return error.Unmapped;
    if (memory.mem_fd) |fd| return readSegmentsFromFile(fd, segments[0..readable]);

    const local = &local_iovecs;
    const remote = &remote_iovecs;
    for (segments[0..readable], 0..) |segment, i| {
        local[i] = .{ .base = segment.buffer.ptr, .len = segment.buffer.len };
        remote[i] = .{ .base = @ptrFromInt(segment.address), .len = segment.buffer.len };
    }
    const rc = linux.process_vm_readv(memory.pid, local[0..readable], remote[0..readable], 0);
    return switch (linux.errno(rc)) {
        .SUCCESS => rc,
        .SRCH => error.ProcessGone,
        .PERM, .ACCES => error.PermissionDenied,
        else => error.Unmapped, // EFAULT for an unmapped first segment, ENOMEM, EINVAL.
    };
}

fn readSegmentsFromFile(fd: linux.fd_t, segments: []const Segment) Error!usize {
    var total: usize = 0;
    for (segments) |segment| {
        const rc = linux.pread(fd, segment.buffer.ptr, segment.buffer.len, @bitCast(segment.address));
        switch (linux.errno(rc)) {
            .SUCCESS => {},
            .SRCH => return error.ProcessGone,
            .PERM, .ACCES => return error.PermissionDenied,
            else => return if (total == 0) error.Unmapped else total,
        }
        total += rc;
        if (rc != segment.buffer.len) break;
    }
    return total;
}

test "reads this process's own memory through both paths" {
    const secret: [16]u8 = "tachyon-selftest".*;
    const self: RemoteMemory = .{ .pid = linux.getpid() };
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

    const fd: linux.fd_t = @intCast(linux.open("/proc/self/mem", .{ .CLOEXEC = true }, 0));
    defer _ = linux.close(fd);
    const through_file: RemoteMemory = .{ .pid = self.pid, .mem_fd = fd };
    @memset(&copy, 0);
    try through_file.read(@intFromPtr(&secret), &copy);
    try std.testing.expectEqualSlices(u8, &secret, &copy);
    try std.testing.expectError(error.Unmapped, through_file.read(8, &copy));
}
