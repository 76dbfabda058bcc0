//! Start-up allocation of the helper's large fixed buffers (the maps text, the output buffer,
//! the frame cache, code headers, a line table), taken straight from `mmap`. The kernel maps
//! pages lazily and zeroed, so a buffer sized for the worst case (a 1 MiB line table, say)
//! costs memory only where it is used. `std.mem.Allocator.alloc` would instead fill each buffer
//! with 0xAA in ReleaseSafe builds, touching every page: thousands of page faults per start.
//! Buffers live until the process exits, but for the one `free` gives back early.

const std = @import("std");
const os = @import("os.zig");

pub const Error = error{OutOfMemory};

/// `count` zeroed items of `T`, page-aligned.
pub fn alloc(comptime T: type, count: usize) Error![]T {
    if (count == 0) return &.{};
    const bytes = count * @sizeOf(T);
    const pointer: [*]T = @ptrCast(@alignCast(os.memory.mapPages(bytes) orelse return error.OutOfMemory));
    return pointer[0..count];
}

/// Returns a buffer from `alloc` to the kernel.
pub fn free(comptime T: type, buffer: []T) void {
    if (buffer.len == 0) return;
    os.memory.unmapPages(@ptrCast(buffer.ptr), buffer.len * @sizeOf(T));
}

/// One zeroed `T`, page-aligned.
pub fn create(comptime T: type) Error!*T {
    return &(try alloc(T, 1))[0];
}

test "buffers come zeroed and writable" {
    const buffer = try alloc(u64, 1000);
    try std.testing.expectEqual(@as(usize, 1000), buffer.len);
    for (buffer) |value| try std.testing.expectEqual(@as(u64, 0), value);
    buffer[999] = 7;
    try std.testing.expectEqual(@as(u64, 7), buffer[999]);
}
