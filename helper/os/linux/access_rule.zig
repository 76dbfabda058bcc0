//! THE RULE a privileged helper (setuid, setgid or file capabilities) applies before it reads a
//! process for its caller: what the kernel's own ptrace access check
//! (`__ptrace_may_access`, PTRACE_MODE_READ) would grant the caller, Yama set aside. For the
//! task named by `--pid` and every thread of its process: real, effective and saved uids all the
//! caller's real uid; the same for gids; the process dumpable (its `/proc/PID` files shown as
//! owned by the caller); no permitted capabilities (a
//! setuid exec leaves the caller's own set unknowable, so it is taken as empty). PID 1 and the
//! helper itself are refused. `docs/security.md` explains each condition.
//!
//! Everything is read relative to the open `/proc/PID` directory, which pins the process. A
//! `Snapshot` (the auxiliary vector, the executable's device and inode) taken before and after
//! opening `mem` tells whether the target executed a new program in between.

const std = @import("std");
const files = @import("files.zig");
const procfs = @import("procfs.zig");
const limits = @import("../../limits.zig");
const Pid = std.os.linux.pid_t;

/// The caller: the real uid and gid of the helper.
pub const Caller = struct { uid: u32, gid: u32 };

/// Which condition of the rule failed. `describe` words each one (the words `uids`, `gids`,
/// `dumpable`, `capabilities`, `thread`, `new program` are part of the contract with the tests).
pub const Refusal = union(enum) {
    init_process,
    helper_itself,
    /// A credential of the task named by `--pid` (`tid` null) or of another thread.
    uids: Mismatch,
    gids: Mismatch,
    capabilities: struct { tid: ?Pid, permitted: u64 },
    dumpable: struct { uid: u32, gid: u32 },
    new_program,
    too_many_threads,
    /// A file of the target could not be opened or parsed (`what` names it).
    unreadable: []const u8,

    pub const Mismatch = struct { tid: ?Pid, ids: [3]u32 };

    /// The condition as it ends `not allowed to read process N: ...`.
    pub fn describe(refusal: Refusal, caller: Caller, buffer: []u8) []const u8 {
        var thread_text: [40]u8 = undefined;
        return switch (refusal) {
            .init_process => "it is PID 1 (init), which a privileged helper never reads",
            .helper_itself => "it is the helper itself",
            .uids => |m| std.fmt.bufPrint(buffer, "{s}uids (real, effective, saved) are {d} {d} {d}, not all {d} (yours)", .{ threadPrefix(m.tid, &thread_text), m.ids[0], m.ids[1], m.ids[2], caller.uid }),
            .gids => |m| std.fmt.bufPrint(buffer, "{s}gids (real, effective, saved) are {d} {d} {d}, not all {d} (your real gid)", .{ threadPrefix(m.tid, &thread_text), m.ids[0], m.ids[1], m.ids[2], caller.gid }),
            .capabilities => |c| std.fmt.bufPrint(buffer, "{s}permitted capabilities are {x:0>16}, not a subset of yours (none)", .{ threadPrefix(c.tid, &thread_text), c.permitted }),
            .dumpable => |d| std.fmt.bufPrint(buffer, "it is not dumpable (the kernel shows its /proc files as {d}:{d}, not {d}:{d}: it changed credentials or cleared PR_SET_DUMPABLE)", .{ d.uid, d.gid, caller.uid, caller.gid }),
            .new_program => "it executed a new program between the check and the opening of its memory",
            .too_many_threads => std.fmt.comptimePrint("it has more than {d} threads to check", .{limits.rule_threads_max}),
            .unreadable => |what| std.fmt.bufPrint(buffer, "cannot read its {s} to check it", .{what}),
        } catch "(condition too long to print)";
    }

    fn threadPrefix(tid: ?Pid, buffer: []u8) []const u8 {
        const t = tid orelse return "its ";
        return std.fmt.bufPrint(buffer, "thread {d}: its ", .{t}) catch "thread: its ";
    }
};

/// The processes refused whatever their credentials: PID 1 and the helper itself.
pub fn checkPid(pid: Pid, self_pid: Pid) ?Refusal {
    if (pid == 1) return .init_process;
    if (pid == self_pid) return .helper_itself;
    return null;
}

/// Checks the rule for the process behind `process_dir` (opened for `pid`); null when allowed.
pub fn check(process_dir: files.Fd, pid: Pid, self_pid: Pid, caller: Caller) ?Refusal {
    if (checkPid(pid, self_pid)) |refusal| return refusal;
    if (checkTask(process_dir, null, caller)) |refusal| return refusal;

    // Dumpability: the kernel shows root as the owner of the process's files when it is not.
    const owner = procfs.dumpOwner(process_dir) orelse return .{ .unreadable = "status" };
    if (owner.uid != caller.uid or owner.gid != caller.gid) return .{ .dumpable = .{ .uid = owner.uid, .gid = owner.gid } };

    const task_dir = procfs.openIn(process_dir, .task) catch return .{ .unreadable = "thread list" };
    defer files.close(task_dir);
    var tasks: procfs.Tasks = .{ .task_dir = task_dir };
    for (0..limits.rule_threads_max) |_| {
        const tid = (tasks.next() catch return .{ .unreadable = "thread list" }) orelse return null;
        if (checkTask(process_dir, tid, caller)) |refusal| return refusal;
    }
    return .too_many_threads;
}

/// The credentials of the named task (`tid` null: `/proc/PID/status`) or of one thread.
fn checkTask(process_dir: files.Fd, tid: ?Pid, caller: Caller) ?Refusal {
    const fd = if (tid) |t| procfs.openTaskStatus(process_dir, t) else procfs.openIn(process_dir, .status);
    const status_fd = fd catch |err| return switch (err) {
        // A thread that ended since the listing holds no credentials any more.
        error.NotFound => if (tid != null) null else .{ .unreadable = "status" },
        else => .{ .unreadable = "status" },
    };
    defer files.close(status_fd);
    var buffer: [limits.status_bytes_max]u8 = undefined;
    const text = files.readAll(status_fd, &buffer) catch |err| return switch (err) {
        error.NotFound => if (tid != null) null else .{ .unreadable = "status" },
        else => .{ .unreadable = "status" },
    };
    const credentials = procfs.credentialsFromStatus(text) orelse return .{ .unreadable = "status" };
    return checkCredentials(credentials, tid, caller);
}

/// The pure part of the rule for one task.
pub fn checkCredentials(credentials: procfs.Credentials, tid: ?Pid, caller: Caller) ?Refusal {
    for (credentials.uids) |uid| {
        if (uid != caller.uid) return .{ .uids = .{ .tid = tid, .ids = credentials.uids } };
    }
    for (credentials.gids) |gid| {
        if (gid != caller.gid) return .{ .gids = .{ .tid = tid, .ids = credentials.gids } };
    }
    if (credentials.cap_permitted != 0) return .{ .capabilities = .{ .tid = tid, .permitted = credentials.cap_permitted } };
    return null;
}

/// What changes when a process executes a new program: its auxiliary vector (entry point,
/// random bytes' address, AT_SECURE...) and its executable's device and inode.
pub const Snapshot = struct {
    auxv: [limits.auxv_bytes_max]u8 = undefined,
    auxv_len: usize = 0,
    exe: files.Identity,

    pub fn take(process_dir: files.Fd) ?Snapshot {
        var snapshot: Snapshot = .{ .exe = procfs.exeIdentity(process_dir) orelse return null };
        const fd = procfs.openIn(process_dir, .auxv) catch return null;
        defer files.close(fd);
        snapshot.auxv_len = (files.readAll(fd, &snapshot.auxv) catch return null).len;
        // Empty for a process that is exiting; a whole vector names the program's entry point.
        if (auxvValue(snapshot.auxv[0..snapshot.auxv_len], std.elf.AT.ENTRY) == null) return null;
        return snapshot;
    }

    pub fn same(a: *const Snapshot, b: *const Snapshot) bool {
        return a.exe.sameFile(b.exe) and std.mem.eql(u8, a.auxv[0..a.auxv_len], b.auxv[0..b.auxv_len]);
    }
};

/// The value of one entry of an auxiliary vector (pairs of native words), or null.
pub fn auxvValue(auxv: []const u8, key: u64) ?u64 {
    const word_bytes = @sizeOf(u64);
    var at: usize = 0;
    for (0..auxv.len / (2 * word_bytes)) |_| {
        const entry_key = std.mem.readInt(u64, auxv[at..][0..word_bytes], .little);
        if (entry_key == 0) return null; // AT_NULL ends the vector.
        if (entry_key == key) return std.mem.readInt(u64, auxv[at + word_bytes ..][0..word_bytes], .little);
        at += 2 * word_bytes;
    }
    return null;
}

const testing = std.testing;

test "the rule on credentials: every id the caller's, no capabilities" {
    const caller: Caller = .{ .uid = 1000, .gid = 100 };
    const own: procfs.Credentials = .{ .uids = .{ 1000, 1000, 1000 }, .gids = .{ 100, 100, 100 }, .cap_permitted = 0 };
    try testing.expectEqual(@as(?Refusal, null), checkCredentials(own, null, caller));

    var saved_root = own;
    saved_root.uids[2] = 0;
    try testing.expectEqual(Refusal{ .uids = .{ .tid = null, .ids = .{ 1000, 1000, 0 } } }, checkCredentials(saved_root, null, caller).?);
    var setgid = own;
    setgid.gids[1] = 42;
    try testing.expectEqual(Refusal{ .gids = .{ .tid = 7, .ids = .{ 100, 42, 100 } } }, checkCredentials(setgid, 7, caller).?);
    var capable = own;
    capable.cap_permitted = 1 << 19;
    try testing.expectEqual(std.meta.Tag(Refusal).capabilities, std.meta.activeTag(checkCredentials(capable, null, caller).?));
}

test "each refusal names its condition" {
    const caller: Caller = .{ .uid = 1000, .gid = 100 };
    var buffer: [200]u8 = undefined;
    const cases = [_]struct { Refusal, []const u8 }{
        .{ .{ .uids = .{ .tid = null, .ids = .{ 0, 0, 0 } } }, "its uids (real, effective, saved) are 0 0 0, not all 1000 (yours)" },
        .{ .{ .uids = .{ .tid = 4242, .ids = .{ 0, 0, 0 } } }, "thread 4242: its uids (real, effective, saved) are 0 0 0, not all 1000 (yours)" },
        .{ .{ .gids = .{ .tid = null, .ids = .{ 100, 42, 42 } } }, "its gids (real, effective, saved) are 100 42 42, not all 100 (your real gid)" },
        .{ .{ .capabilities = .{ .tid = null, .permitted = 0x80000 } }, "its permitted capabilities are 0000000000080000, not a subset of yours (none)" },
        .{ .new_program, "it executed a new program between the check and the opening of its memory" },
    };
    for (cases) |case| try testing.expectEqualStrings(case[1], case[0].describe(caller, &buffer));
    try testing.expect(std.mem.find(u8, (Refusal{ .dumpable = .{ .uid = 0, .gid = 0 } }).describe(caller, &buffer), "dumpable") != null);
}

test "auxiliary vector entries" {
    var auxv: [6 * 8]u8 = undefined;
    for ([_]u64{ 6, 4096, 23, 1, 0, 0 }, 0..) |word, i| std.mem.writeInt(u64, auxv[i * 8 ..][0..8], word, .little);
    try testing.expectEqual(@as(?u64, 4096), auxvValue(&auxv, 6)); // AT_PAGESZ
    try testing.expectEqual(@as(?u64, 1), auxvValue(&auxv, 23)); // AT_SECURE
    try testing.expectEqual(@as(?u64, null), auxvValue(&auxv, 9));
    try testing.expectEqual(@as(?u64, null), auxvValue(auxv[0..12], 23)); // cut short
}

test "this process: refused as the helper itself; its snapshot is stable" {
    const linux = std.os.linux;
    const dir = try procfs.openProcess(linux.getpid());
    defer files.close(dir);
    const caller: Caller = .{ .uid = linux.getuid(), .gid = linux.getgid() };
    try testing.expectEqual(Refusal.helper_itself, check(dir, linux.getpid(), linux.getpid(), caller).?);
    try testing.expectEqual(Refusal.init_process, check(dir, 1, linux.getpid(), caller).?);
    const first = Snapshot.take(dir).?;
    const second = Snapshot.take(dir).?;
    try testing.expect(first.same(&second));
    try testing.expectEqual(@as(?u64, std.heap.pageSize()), auxvValue(first.auxv[0..first.auxv_len], std.elf.AT.PAGESZ));
}
