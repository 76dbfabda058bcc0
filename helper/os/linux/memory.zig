//! Memory on Linux: batched reads of another process's memory (`process_vm_readv`, or `pread`
//! on an open `/proc/PID/mem` when the helper runs setuid), and page-granular allocation for the
//! helper's own large buffers (`mmap`). Both read paths stop at the first segment that cannot
//! be read in full and say how many bytes they got.

const std = @import("std");
const linux = std.os.linux;
const assert = std.debug.assert;
const limits = @import("../../limits.zig");
const Segment = @import("../../memory.zig").Segment;
const Error = @import("../../memory.zig").Error;

/// Scratch for `readProcess`, static rather than on the stack: a safe build fills every
/// `undefined` local with 0xaa, which for 2 x 16 KiB of iovecs per read was the helper's
/// largest cost at 1 kHz. The helper samples from one thread.
var local_iovecs: [limits.iovecs_max]std.posix.iovec = undefined;
var remote_iovecs: [limits.iovecs_max]std.posix.iovec_const = undefined;

/// Reads the segments of process `pid` with one system call; no segment may be at address 0.
pub fn readProcess(pid: linux.pid_t, segments: []const Segment) Error!usize {
    assert(segments.len <= limits.iovecs_max);
    const local = &local_iovecs;
    const remote = &remote_iovecs;
    for (segments, 0..) |segment, i| {
        local[i] = .{ .base = segment.buffer.ptr, .len = segment.buffer.len };
        remote[i] = .{ .base = @ptrFromInt(segment.address), .len = segment.buffer.len };
    }
    const rc = linux.process_vm_readv(pid, local[0..segments.len], remote[0..segments.len], 0);
    return switch (linux.errno(rc)) {
        .SUCCESS => rc,
        .SRCH => error.ProcessGone,
        .PERM, .ACCES => error.PermissionDenied,
        else => error.Unmapped, // EFAULT for an unmapped first segment, ENOMEM, EINVAL.
    };
}

/// Reads the segments from an open `/proc/PID/mem`, one `pread` each.
pub fn readFile(fd: linux.fd_t, segments: []const Segment) Error!usize {
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

/// `bytes` of fresh zeroed private memory, page-aligned; null when the kernel refuses.
pub fn mapPages(bytes: usize) ?[*]align(std.heap.page_size_min) u8 {
    const address = linux.mmap(null, bytes, .{ .READ = true, .WRITE = true }, .{ .TYPE = .PRIVATE, .ANONYMOUS = true }, -1, 0);
    if (linux.errno(address) != .SUCCESS) return null;
    return @ptrFromInt(address);
}

/// Returns memory from `mapPages` to the kernel.
pub fn unmapPages(pointer: [*]const u8, bytes: usize) void {
    _ = linux.munmap(pointer, bytes);
}
