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
    return openAt(linux.AT.FDCWD, path, .{ .CLOEXEC = true });
}

/// Opens a directory read-only without following a symbolic link at its last component (a
/// `/proc/PID` directory: the descriptor pins that process).
pub fn openDirectory(path: [*:0]const u8) OpenError!Fd {
    return openAt(linux.AT.FDCWD, path, .{ .DIRECTORY = true, .NOFOLLOW = true, .CLOEXEC = true });
}

/// Opens `relative` under the directory `dir` read-only, not following a symbolic link at its
/// last component (`/proc/PID/status`, `mem`, `task/TID/status`, `maps`).
pub fn openIn(dir: Fd, relative: [*:0]const u8) OpenError!Fd {
    return openAt(dir, relative, .{ .NOFOLLOW = true, .CLOEXEC = true });
}

/// Opens `relative` under `dir` following the last component when it is a link (`/proc/PID/exe`,
/// `/proc/PID/map_files/...`: kernel links to the very file the target runs or maps).
pub fn openInFollowing(dir: Fd, relative: [*:0]const u8) OpenError!Fd {
    return openAt(dir, relative, .{ .NONBLOCK = true, .CLOEXEC = true });
}

/// Opens a file whose name comes from the target (a path in its maps): never through a symbolic
/// link at the last component, never waiting (a FIFO opens at once, and is then refused by the
/// caller's `identity` check).
pub fn openNamed(dir: Fd, relative: [*:0]const u8) OpenError!Fd {
    return openAt(dir, relative, .{ .NOFOLLOW = true, .NONBLOCK = true, .CLOEXEC = true });
}

fn openAt(dir: Fd, path: [*:0]const u8, flags: linux.O) OpenError!Fd {
    const rc = linux.openat(dir, path, flags, 0);
    return switch (linux.errno(rc)) {
        .SUCCESS => @intCast(rc),
        .NOENT, .SRCH, .NOTDIR => error.NotFound,
        .ACCES, .PERM => error.PermissionDenied,
        else => error.OtherFailure,
    };
}

/// Who owns a file, where it lives and what it is: enough to tell it is the file a mapping
/// names (device and inode) and a regular file.
pub const Identity = struct {
    dev_major: u32,
    dev_minor: u32,
    inode: u64,
    uid: u32,
    gid: u32,
    regular: bool,

    pub fn sameFile(a: Identity, b: Identity) bool {
        return a.dev_major == b.dev_major and a.dev_minor == b.dev_minor and a.inode == b.inode;
    }
};

/// The identity of an open file.
pub fn identity(fd: Fd) ?Identity {
    return identityAt(fd, "", linux.AT.EMPTY_PATH);
}

/// The identity of the file `relative` under `dir` names, following a last link (the file
/// `/proc/PID/exe` points to), without opening it.
pub fn identityFollowing(dir: Fd, relative: [*:0]const u8) ?Identity {
    return identityAt(dir, relative, 0);
}

/// The identity of the file `relative` under `dir` names, looked up afresh, not following a
/// last link, without opening it.
pub fn identityNoFollow(dir: Fd, relative: [*:0]const u8) ?Identity {
    return identityAt(dir, relative, linux.AT.SYMLINK_NOFOLLOW);
}

fn identityAt(dir: Fd, path: [*:0]const u8, flags: u32) ?Identity {
    var stat: linux.Statx = undefined;
    const rc = linux.statx(dir, path, flags, .{ .TYPE = true, .UID = true, .GID = true, .INO = true }, &stat);
    if (linux.errno(rc) != .SUCCESS) return null;
    return .{
        .dev_major = stat.dev_major,
        .dev_minor = stat.dev_minor,
        .inode = stat.ino,
        .uid = stat.uid,
        .gid = stat.gid,
        .regular = linux.S.ISREG(stat.mode),
    };
}

/// One `getdents64` into `buffer`: the bytes of directory entries read (0 at the end), or null
/// on an error. `DirectoryEntries` walks them.
pub fn readDirectory(dir: Fd, buffer: []u8) ?usize {
    const rc = linux.getdents64(dir, buffer.ptr, @intCast(@min(buffer.len, std.math.maxInt(c_uint))));
    return if (linux.errno(rc) == .SUCCESS) rc else null;
}

/// The names in bytes returned by `readDirectory`.
pub const DirectoryEntries = struct {
    bytes: []const u8,
    position: usize = 0,

    /// Each call consumes one entry (its record length is at least the header's size).
    pub fn next(entries: *DirectoryEntries) ?[]const u8 {
        const header_bytes = @offsetOf(linux.dirent64, "name");
        if (entries.position + header_bytes > entries.bytes.len) return null;
        const record = entries.bytes[entries.position..];
        const record_bytes = std.mem.readInt(u16, record[16..18], .little);
        if (record_bytes < header_bytes or record_bytes > record.len) return null;
        entries.position += record_bytes;
        return std.mem.sliceTo(record[header_bytes..record_bytes], 0);
    }
};

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

/// Inode number of an open file.
pub fn inode(fd: Fd) ?u64 {
    return if (identity(fd)) |id| id.inode else null;
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
