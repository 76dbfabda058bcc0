//! Files on Linux: opening, positioned reads, inodes, and the writes and polls of the helper's
//! own standard streams. Thin wrappers over raw system calls (the helper links no libc).

const std = @import("std");
const linux = std.os.linux;

pub const Fd = linux.fd_t;

pub const stdin: Fd = 0;
pub const stdout: Fd = 1;
pub const stderr: Fd = 2;

pub const OpenError = error{ NotFound, PermissionDenied, OtherFailure };

/// Opens a file read-only.
pub fn openPath(path: [*:0]const u8) OpenError!Fd {
    const rc = linux.open(path, .{ .CLOEXEC = true }, 0);
    return switch (linux.errno(rc)) {
        .SUCCESS => @intCast(rc),
        .NOENT, .SRCH, .NOTDIR => error.NotFound,
        .ACCES, .PERM => error.PermissionDenied,
        else => error.OtherFailure,
    };
}

pub fn close(fd: Fd) void {
    _ = linux.close(fd);
}

/// One `pread` of up to `buffer.len` bytes at `offset`: the bytes read, or null on an error.
pub fn pread(fd: Fd, buffer: []u8, offset: u64) ?usize {
    const rc = linux.pread(fd, buffer.ptr, buffer.len, @bitCast(offset));
    return if (linux.errno(rc) == .SUCCESS) rc else null;
}

/// Reads a file from its start into `buffer`; a file larger than `buffer` is cut.
pub fn readAll(fd: Fd, buffer: []u8) OpenError![]const u8 {
    var len: usize = 0;
    // Each iteration reads at least one byte or ends the loop.
    while (len < buffer.len) {
        const rc = linux.pread(fd, buffer[len..].ptr, buffer.len - len, @intCast(len));
        switch (linux.errno(rc)) {
            .SUCCESS => if (rc == 0) break else {
                len += rc;
            },
            .INTR => {},
            .ACCES, .PERM => return error.PermissionDenied,
            .SRCH, .NOENT => return error.NotFound,
            else => return error.OtherFailure,
        }
    }
    return buffer[0..len];
}

/// Inode number of an open file (to match it with the target's mappings).
pub fn inode(fd: Fd) ?u64 {
    var stat: linux.Statx = undefined;
    const at_empty_path = 0x1000;
    const rc = linux.statx(fd, "", at_empty_path, .{ .INO = true }, &stat);
    return if (linux.errno(rc) == .SUCCESS) stat.ino else null;
}

pub const WriteError = error{ Interrupted, WouldBlock, Closed };

/// One `write`: the bytes written.
pub fn write(fd: Fd, bytes: []const u8) WriteError!usize {
    const rc = linux.write(fd, bytes.ptr, bytes.len);
    return switch (linux.errno(rc)) {
        .SUCCESS => rc,
        .INTR => error.Interrupted,
        .AGAIN => error.WouldBlock,
        else => error.Closed,
    };
}

/// Best-effort write for the few human-readable lines (stderr, --help, --version).
pub fn writeAll(fd: Fd, bytes: []const u8) void {
    var written: usize = 0;
    for (0..64) |_| {
        if (written == bytes.len) return;
        const rc = linux.write(fd, bytes[written..].ptr, bytes.len - written);
        if (linux.errno(rc) != .SUCCESS) return;
        written += rc;
    }
}

/// One `write` to stderr, its result ignored (a diagnostic line).
pub fn writeStderr(line: []const u8) void {
    _ = linux.write(stderr, line.ptr, line.len);
}

/// For a non-blocking descriptor: sleeps until it accepts more bytes.
pub fn waitWritable(fd: Fd) void {
    var pollfds = [_]linux.pollfd{.{ .fd = fd, .events = linux.POLL.OUT }};
    _ = linux.poll(&pollfds, pollfds.len, -1);
}

/// Whether stdin has reached end of file, without waiting: anything the orchestrator sends on
/// it is read and ignored.
pub fn stdinClosed() bool {
    var pollfds = [_]linux.pollfd{.{ .fd = stdin, .events = linux.POLL.IN }};
    const rc = linux.poll(&pollfds, 1, 0);
    if (linux.errno(rc) != .SUCCESS or rc == 0) return false;
    if (pollfds[0].revents & (linux.POLL.HUP | linux.POLL.ERR | linux.POLL.NVAL) != 0) return true;
    // Readable: end of file reads 0 bytes; anything else sent by the orchestrator is ignored.
    var byte: [64]u8 = undefined;
    const read = linux.read(stdin, &byte, byte.len);
    return linux.errno(read) == .SUCCESS and read == 0;
}
