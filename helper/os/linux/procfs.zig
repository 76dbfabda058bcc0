//! The target's files through `/proc`: opening `/proc/PID/...`, opening a file the target maps
//! as the target sees it, telling whether the target still runs (from `/proc/PID/stat`) and
//! which uids it runs as (from `/proc/PID/status`). The parsers are pure and tested; opening and
//! reading are thin wrappers over `files.zig`.

const std = @import("std");
const files = @import("files.zig");
const Pid = std.os.linux.pid_t;
const limits = @import("../../limits.zig");

pub const OpenError = files.OpenError;

/// Opens `/proc/PID/<name>` read-only.
pub fn open(pid: Pid, name: []const u8) OpenError!files.Fd {
    var path: [limits.path_bytes_max + 32]u8 = undefined;
    const path_z = std.mem.printSentinel(&path, "/proc/{d}/{s}", .{ pid, name }, 0) catch return error.OtherFailure;
    return files.openPath(path_z);
}

/// Opens this process's own `/proc/self/<name>` (tests).
pub fn openSelf(comptime name: []const u8) OpenError!files.Fd {
    return files.openPath("/proc/self/" ++ name);
}

/// Opens a file mapped by the target as the target sees it: through `/proc/PID/root` first,
/// then through `/proc/PID/map_files`, then by its path here. The inode must be `inode`.
pub fn openMapped(pid: Pid, path: []const u8, map_start: u64, inode: u64) ?files.Fd {
    var buffer: [limits.path_bytes_max + 64]u8 = undefined;
    for (0..3) |attempt| {
        const path_z: [:0]const u8 = switch (attempt) {
            0 => std.mem.printSentinel(&buffer, "/proc/{d}/root{s}", .{ pid, path }, 0),
            1 => std.mem.printSentinel(&buffer, "/proc/{d}/map_files/{x}-{x}", .{ pid, map_start, map_start + 1 }, 0),
            else => std.mem.printSentinel(&buffer, "{s}", .{path}, 0),
        } catch continue;
        const fd = files.openPath(path_z) catch continue;
        if (files.inode(fd) == inode) return fd;
        files.close(fd);
    }
    return null;
}

/// Whether the process behind an open `/proc/PID/stat` still runs: not gone, not a zombie.
pub fn isAlive(stat_fd: files.Fd) bool {
    var buffer: [1024]u8 = undefined;
    const text = files.readAll(stat_fd, &buffer) catch return false;
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
    const fd = try open(std.os.linux.getpid(), "stat");
    defer files.close(fd);
    try testing.expect(isAlive(fd));
    try testing.expect(files.inode(fd) != null);
}
