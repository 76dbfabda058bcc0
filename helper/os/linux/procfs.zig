//! The target's files through `/proc`: the `/proc/PID` directory that pins the target, the files
//! opened relative to it (`status`, `mem`, `auxv`, `maps`, `task/TID/status`), a file the target
//! maps opened as the target sees it, whether the target still runs (from `stat`) and its
//! credentials (from `status`). The parsers are pure and tested; opening and reading are thin
//! wrappers over `files.zig`.

const std = @import("std");
const files = @import("files.zig");
const Pid = std.os.linux.pid_t;
const limits = @import("../../limits.zig");

pub const OpenError = files.OpenError;

/// Opens `/proc/PID/<name>` read-only, by pid (each call looks the pid up again: for the
/// unprivileged per-thread files; privileged code goes through `openProcess`).
pub fn open(pid: Pid, name: []const u8) OpenError!files.Fd {
    var path: [limits.path_bytes_max + 32]u8 = undefined;
    const path_z = std.mem.printSentinel(&path, "/proc/{d}/{s}", .{ pid, name }, 0) catch return error.OtherFailure;
    return files.openPath(path_z);
}

/// Opens the directory `/proc/PID`. The descriptor stays bound to that process: once it exits,
/// opening anything under it fails, even if its pid is reused.
pub fn openProcess(pid: Pid) OpenError!files.Fd {
    var path: [32]u8 = undefined;
    const path_z = std.mem.printSentinel(&path, "/proc/{d}", .{pid}, 0) catch unreachable;
    return files.openDirectory(path_z);
}

/// The files of a `/proc/PID` directory the helper opens.
pub const ProcessFile = enum { status, auxv, mem, maps, stat, task };

/// Opens one file (or `task`, a directory) under an open `/proc/PID`.
pub fn openIn(process_dir: files.Fd, comptime file: ProcessFile) OpenError!files.Fd {
    return files.openIn(process_dir, @tagName(file));
}

/// Opens `task/TID/status` under an open `/proc/PID`.
pub fn openTaskStatus(process_dir: files.Fd, tid: Pid) OpenError!files.Fd {
    var path: [48]u8 = undefined;
    const path_z = std.mem.printSentinel(&path, "task/{d}/status", .{tid}, 0) catch unreachable;
    return files.openIn(process_dir, path_z);
}

/// Opens the target's executable through `exe` under an open `/proc/PID` (the kernel's link to
/// the file it runs, not a name).
pub fn openExe(process_dir: files.Fd) OpenError!files.Fd {
    return files.openInFollowing(process_dir, "exe");
}

/// Device and inode of the target's executable, without opening it.
pub fn exeIdentity(process_dir: files.Fd) ?files.Identity {
    return files.identityFollowing(process_dir, "exe");
}

/// Who the kernel shows as the owner of the target's files (looked up afresh through `status`):
/// its effective uid and gid while it is dumpable, root (of its user namespace) when it is not.
/// Not the `/proc/PID` directory itself: a world-readable directory keeps the effective owner
/// either way (`task_dump_owner` in the kernel's `fs/proc/base.c`).
pub fn dumpOwner(process_dir: files.Fd) ?files.Identity {
    return files.identityNoFollow(process_dir, "status");
}

/// Opens `/proc/self/<name>` (tests).
pub fn openSelf(comptime name: []const u8) OpenError!files.Fd {
    return files.openPath("/proc/self/" ++ name);
}

/// Where a mapped file lives, as `/proc/PID/maps` prints it.
pub const MappedFile = struct {
    path: []const u8,
    map_start: u64,
    dev_major: u32,
    dev_minor: u32,
    inode: u64,
};

/// Opens a file mapped by the target as the target sees it: through `/proc/PID/root` first,
/// then through `/proc/PID/map_files` (which needs CAP_SYS_ADMIN: only a root caller), then by
/// its path in the helper's own mount namespace. A path is opened without following a last
/// symbolic link and without waiting; what is opened must be a regular file on the mapping's
/// device with the mapping's inode, else it is closed and the next way is tried.
pub fn openMapped(process_dir: files.Fd, mapped: MappedFile) ?files.Fd {
    var buffer: [limits.path_bytes_max + 64]u8 = undefined;
    for (0..3) |attempt| {
        const fd = switch (attempt) {
            0 => files.openNamed(process_dir, std.mem.printSentinel(&buffer, "root{s}", .{mapped.path}, 0) catch continue),
            1 => files.openInFollowing(process_dir, std.mem.printSentinel(&buffer, "map_files/{x}-{x}", .{ mapped.map_start, mapped.map_start +| 1 }, 0) catch continue),
            else => files.openNamed(std.os.linux.AT.FDCWD, std.mem.printSentinel(&buffer, "{s}", .{mapped.path}, 0) catch continue),
        } catch continue;
        if (files.identity(fd)) |id| {
            if (id.regular and id.dev_major == mapped.dev_major and id.dev_minor == mapped.dev_minor and id.inode == mapped.inode) return fd;
        }
        files.close(fd);
    }
    return null;
}

/// The thread ids listed under an open `/proc/PID/task` directory, read in chunks.
pub const Tasks = struct {
    task_dir: files.Fd,
    buffer: [4096]u8 align(8) = undefined,
    entries: files.DirectoryEntries = .{ .bytes = &.{} },

    pub const Error = error{Unreadable};

    /// The next thread id, or null at the end. Each call consumes at least one entry or reads
    /// the directory once more; a read that returns nothing ends the listing.
    pub fn next(tasks: *Tasks) Error!?Pid {
        for (0..limits.rule_threads_max + 2) |_| {
            while (tasks.entries.next()) |name| {
                if (std.fmt.parseInt(Pid, name, 10)) |tid| return tid else |_| {} // "." and ".."
            }
            const got = files.readDirectory(tasks.task_dir, &tasks.buffer) orelse return error.Unreadable;
            if (got == 0) return null;
            tasks.entries = .{ .bytes = tasks.buffer[0..got] };
        }
        return error.Unreadable;
    }
};

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

/// A task's credentials as `/proc/PID/status` shows them.
pub const Credentials = struct {
    /// Real, effective, saved (the `Uid:` line's first three fields; the fourth is fs).
    uids: [3]u32,
    gids: [3]u32,
    /// `CapPrm:`, the permitted capability set.
    cap_permitted: u64,
};

/// The `Uid:`, `Gid:` and `CapPrm:` lines of a status file; null when one is missing or
/// malformed.
pub fn credentialsFromStatus(text: []const u8) ?Credentials {
    var credentials: Credentials = .{ .uids = undefined, .gids = undefined, .cap_permitted = undefined };
    var found: u3 = 0;
    var lines = std.mem.splitScalar(u8, text, '\n');
    while (lines.next()) |line| {
        if (std.mem.startsWith(u8, line, "Uid:")) {
            credentials.uids = idTriple(line["Uid:".len..]) orelse return null;
            found |= 1;
        } else if (std.mem.startsWith(u8, line, "Gid:")) {
            credentials.gids = idTriple(line["Gid:".len..]) orelse return null;
            found |= 2;
        } else if (std.mem.startsWith(u8, line, "CapPrm:")) {
            const hex = std.mem.trim(u8, line["CapPrm:".len..], " \t");
            credentials.cap_permitted = std.fmt.parseInt(u64, hex, 16) catch return null;
            found |= 4;
        }
    }
    return if (found == 7) credentials else null;
}

fn idTriple(fields_text: []const u8) ?[3]u32 {
    var fields = std.mem.tokenizeAny(u8, fields_text, " \t");
    var ids: [3]u32 = undefined;
    for (&ids) |*id| id.* = std.fmt.parseInt(u32, fields.next() orelse return null, 10) catch return null;
    return ids;
}

const testing = std.testing;

test "state letter after a command name with parentheses" {
    try testing.expectEqual(@as(?u8, 'S'), stateFromStat("1234 (python3.13) S 1 1234"));
    try testing.expectEqual(@as(?u8, 'Z'), stateFromStat("1234 (a) b) (c) Z 1 1234"));
    try testing.expectEqual(@as(?u8, null), stateFromStat("1234 (trunc"));
}

test "credentials from the status file" {
    const status = "Name:\tpython3\nState:\tS (sleeping)\nUid:\t1000\t1000\t1001\t1000\nGid:\t100\t101\t100\t100\n" ++
        "CapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t0000000000000000\n";
    const credentials = credentialsFromStatus(status).?;
    try testing.expectEqual([3]u32{ 1000, 1000, 1001 }, credentials.uids);
    try testing.expectEqual([3]u32{ 100, 101, 100 }, credentials.gids);
    try testing.expectEqual(@as(u64, 0x1ffffffffff), credentials.cap_permitted);
    // Every line is required, and each must be well formed.
    try testing.expectEqual(@as(?Credentials, null), credentialsFromStatus("Name:\tx\nUid:\t1\t1\t1\t1\nGid:\t1\t1\t1\t1\n"));
    try testing.expectEqual(@as(?Credentials, null), credentialsFromStatus("Uid:\t1\t1\nGid:\t1\t1\t1\t1\nCapPrm:\t0\n"));
    try testing.expectEqual(@as(?Credentials, null), credentialsFromStatus("Uid:\t1\t1\t1\nGid:\t1\t1\t-1\nCapPrm:\t0\n"));
    try testing.expectEqual(@as(?Credentials, null), credentialsFromStatus("Uid:\t1\t1\t1\nGid:\t1\t1\t1\nCapPrm:\tzz\n"));
}

test "this process's credentials and threads through its /proc directory" {
    const linux = std.os.linux;
    const dir = try openProcess(linux.getpid());
    defer files.close(dir);
    const status_fd = try openIn(dir, .status);
    defer files.close(status_fd);
    var buffer: [4096]u8 = undefined;
    const credentials = credentialsFromStatus(try files.readAll(status_fd, &buffer)).?;
    try testing.expectEqual(linux.getuid(), credentials.uids[0]);
    try testing.expectEqual(linux.getgid(), credentials.gids[0]);

    const task_dir = try openIn(dir, .task);
    defer files.close(task_dir);
    var tasks: Tasks = .{ .task_dir = task_dir };
    var seen_self = false;
    var count: usize = 0;
    while (try tasks.next()) |tid| : (count += 1) {
        if (tid == linux.gettid()) seen_self = true;
        const fd = try openTaskStatus(dir, tid);
        files.close(fd);
    }
    try testing.expect(seen_self and count >= 1);
    try testing.expect(exeIdentity(dir).?.regular);
    try testing.expectEqual(linux.geteuid(), dumpOwner(dir).?.uid);
}

test "this process is alive" {
    const fd = try open(std.os.linux.getpid(), "stat");
    defer files.close(fd);
    try testing.expect(isAlive(fd));
    try testing.expect(files.inode(fd) != null);
}

test "a mapped file opens only as the regular file with the mapping's device and inode" {
    const linux = std.os.linux;
    // This test executable as mapped: its own path (the first attempt, through `root`, works too).
    const self_dir = try openProcess(linux.getpid());
    defer files.close(self_dir);
    const exe = exeIdentity(self_dir).?;
    var path_buffer: [limits.path_bytes_max]u8 = undefined;
    const rc = linux.readlinkat(self_dir, "exe", &path_buffer, path_buffer.len);
    try testing.expect(linux.errno(rc) == .SUCCESS);
    const exe_path = path_buffer[0..rc];
    var mapped: MappedFile = .{ .path = exe_path, .map_start = 0, .dev_major = exe.dev_major, .dev_minor = exe.dev_minor, .inode = exe.inode };
    const fd = openMapped(self_dir, mapped).?;
    files.close(fd);
    mapped.inode +%= 1;
    try testing.expectEqual(@as(?files.Fd, null), openMapped(self_dir, mapped));
    mapped.inode = exe.inode;
    mapped.dev_minor +%= 1;
    try testing.expectEqual(@as(?files.Fd, null), openMapped(self_dir, mapped));

    // A FIFO and a symbolic link in place of the mapped path: refused at once, neither followed
    // nor waited on.
    var name_buffer: [64]u8 = undefined;
    const fifo = try std.fmt.bufPrintSentinel(&name_buffer, "/tmp/tachyon-openmapped-{d}", .{linux.getpid()}, 0);
    _ = linux.unlinkat(linux.AT.FDCWD, fifo, 0);
    try testing.expect(linux.errno(linux.mknodat(linux.AT.FDCWD, fifo, linux.S.IFIFO | 0o600, 0)) == .SUCCESS);
    defer _ = linux.unlinkat(linux.AT.FDCWD, fifo, 0);
    const fifo_id = files.identityNoFollow(linux.AT.FDCWD, fifo).?;
    try testing.expect(!fifo_id.regular);
    try testing.expectEqual(@as(?files.Fd, null), openMapped(self_dir, .{ .path = fifo, .map_start = 0, .dev_major = fifo_id.dev_major, .dev_minor = fifo_id.dev_minor, .inode = fifo_id.inode }));

    var link_buffer: [80]u8 = undefined;
    const link = try std.fmt.bufPrintSentinel(&link_buffer, "/tmp/tachyon-openmapped-link-{d}", .{linux.getpid()}, 0);
    _ = linux.unlinkat(linux.AT.FDCWD, link, 0);
    var exe_z: [limits.path_bytes_max + 1]u8 = undefined;
    const exe_path_z = try std.fmt.bufPrintSentinel(&exe_z, "{s}", .{exe_path}, 0);
    try testing.expect(linux.errno(linux.symlinkat(exe_path_z, linux.AT.FDCWD, link)) == .SUCCESS);
    defer _ = linux.unlinkat(linux.AT.FDCWD, link, 0);
    try testing.expectEqual(@as(?files.Fd, null), openMapped(self_dir, .{ .path = link, .map_start = 0, .dev_major = exe.dev_major, .dev_minor = exe.dev_minor, .inode = exe.inode }));
}
