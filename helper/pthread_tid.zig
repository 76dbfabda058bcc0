//! Kernel thread ids for CPython 3.8-3.10, whose thread states hold only the `pthread_t`. On
//! glibc and musl a `pthread_t` is the address of the thread's `struct pthread`, which holds the
//! kernel tid at an offset that depends on the C library build. The offset is learnt once, from
//! the main thread: its tid is the process id, so it is the first aligned 32-bit field of its
//! `struct pthread` equal to the pid. Afterwards each thread's tid is one 4-byte read, which the
//! sampler folds into the system call that reads the thread state.
const std = @import("std");
const limits = @import("limits.zig");

/// Where `tid` is inside `struct pthread`, or null if `bytes` (the start of the main thread's
/// struct) holds no aligned field equal to `pid`.
pub fn findTidOffset(bytes: []const u8, pid: u32) ?u32 {
    var offset: usize = 0;
    while (offset + 4 <= bytes.len) : (offset += 4) {
        if (std.mem.readInt(u32, bytes[offset..][0..4], .little) == pid) return @intCast(offset);
    }
    return null;
}

/// A tid read from memory is believable if it is a positive pid_t.
pub fn plausibleTid(value: u32) bool {
    return value > 0 and value <= limits.pid_max;
}

test "the first aligned field equal to the pid is the tid" {
    var bytes: [64]u8 = @splat(0);
    std.mem.writeInt(u32, bytes[44..48], 4242, .little);
    std.mem.writeInt(u32, bytes[48..52], 4242, .little);
    try std.testing.expectEqual(@as(?u32, 44), findTidOffset(&bytes, 4242));
    try std.testing.expectEqual(@as(?u32, null), findTidOffset(&bytes, 7));
    // Unaligned matches are not fields.
    var odd: [16]u8 = @splat(0);
    std.mem.writeInt(u32, odd[2..6], 99, .little);
    try std.testing.expectEqual(@as(?u32, null), findTidOffset(&odd, 99));
}

test "plausible tids" {
    try std.testing.expect(plausibleTid(1));
    try std.testing.expect(!plausibleTid(0));
    try std.testing.expect(!plausibleTid(0xffff_ffff));
}
