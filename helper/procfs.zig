//! Small `/proc` helpers: opening `/proc/PID/...` files, reading a whole file into a buffer,
//! telling whether the target still runs (from `/proc/PID/stat`) and which uids it runs as
//! (from `/proc/PID/status`). The parsers are pure and tested; opening and reading are thin
//! wrappers over raw system calls.

const std = @import("std");
const linux = std.os.linux;
const limits = @import("limits.zig");

pub const OpenError = error{ NotFound, PermissionDenied, OtherFailure };

/// Opens `/proc/PID/<name>` read-only.
pub fn open(pid: linux.pid_t, name: []const u8) OpenError!linux.fd_t {
    var path: [limits.path_bytes_max + 32]u8 = undefined;
    const path_z = std.mem.printSentinel(&path, "/proc/{d}/{s}", .{ pid, name }, 0) catch return error.OtherFailure;
    return openPath(path_z);
}

pub fn openPath(path: [*:0]const u8) OpenError!linux.fd_t {
    const rc = linux.open(path, .{ .CLOEXEC = true }, 0);
    return switch (linux.errno(rc)) {
        .SUCCESS => @intCast(rc),
        .NOENT, .SRCH, .NOTDIR => error.NotFound,
        .ACCES, .PERM => error.PermissionDenied,
        else => error.OtherFailure,
    };
}

pub fn close(fd: linux.fd_t) void {
    _ = linux.close(fd);
}

/// Reads a `/proc` file from its start into `buffer`; a file larger than `buffer` is cut.
pub fn readAll(fd: linux.fd_t, buffer: []u8) OpenError![]const u8 {
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

/// Inode number of an open file (to match it with `/proc/PID/maps`).
pub fn inode(fd: linux.fd_t) ?u64 {
    var stat: linux.Statx = undefined;
    const at_empty_path = 0x1000;
    const rc = linux.statx(fd, "", at_empty_path, .{ .INO = true }, &stat);
    return if (linux.errno(rc) == .SUCCESS) stat.ino else null;
}

/// Whether the process behind an open `/proc/PID/stat` still runs: not gone, not a zombie.
pub fn isAlive(stat_fd: linux.fd_t) bool {
    var buffer: [1024]u8 = undefined;
    const text = readAll(stat_fd, &buffer) catch return false;
    const state = stateFromStat(text) orelse return false;
    return state != 'Z' and state != 'X' and state != 'x';
}

/// The state letter of `/proc/PID/stat`: the field after the last ')' (the command name may
/// itself contain parentheses and spaces).
pub fn stateFromStat(text: []const u8) ?u8 {
    const close_paren = std.mem.findScalarLast(u8, text, ')') orelse return null;
    if (close_paren + 2 >= text.len) return null;
    return text[close_paren + 2];
}

pub const Uids = struct { real: u32, effective: u32, saved: u32 };

/// The `Uid:` line of `/proc/PID/status`.
pub fn uidsFromStatus(text: []const u8) ?Uids {
    var lines = std.mem.splitScalar(u8, text, '\n');
    while (lines.next()) |line| {
        if (!std.mem.startsWith(u8, line, "Uid:")) continue;
        var fields = std.mem.tokenizeAny(u8, line["Uid:".len..], " \t");
        const real = fields.next() orelse return null;
        const effective = fields.next() orelse return null;
        const saved = fields.next() orelse return null;
        return .{
            .real = std.fmt.parseInt(u32, real, 10) catch return null,
            .effective = std.fmt.parseInt(u32, effective, 10) catch return null,
            .saved = std.fmt.parseInt(u32, saved, 10) catch return null,
        };
    }
    return null;
}

const testing = std.testing;

test "state letter after a command name with parentheses" {
    try testing.expectEqual(@as(?u8, 'S'), stateFromStat("1234 (python3.13) S 1 1234"));
    try testing.expectEqual(@as(?u8, 'Z'), stateFromStat("1234 (a) b) (c) Z 1 1234"));
    try testing.expectEqual(@as(?u8, null), stateFromStat("1234 (trunc"));
}

test "uids from the status file" {
    const status = "Name:\tpython3\nState:\tS (sleeping)\nUid:\t1000\t1000\t1001\t1000\nGid:\t100\t100\t100\t100\n";
    try testing.expectEqual(Uids{ .real = 1000, .effective = 1000, .saved = 1001 }, uidsFromStatus(status).?);
    try testing.expectEqual(@as(?Uids, null), uidsFromStatus("Name:\tx\n"));
}

test "this process is alive" {
    const fd = try open(linux.getpid(), "stat");
    defer close(fd);
    try testing.expect(isAlive(fd));
    try testing.expect(inode(fd) != null);
}
