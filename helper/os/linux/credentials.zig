//! This process's privilege on Linux: whether it was executed with privilege (setuid, setgid or
//! file capabilities), and dropping every privilege for good, verified.
//!
//! "Privileged" is the kernel's own answer, `AT_SECURE` in the auxiliary vector (set for a
//! setuid or setgid exec and for file capabilities, where the uids may all stay the caller's),
//! with a real uid other than root's: a root caller has nothing to drop to.

const std = @import("std");
const linux = std.os.linux;

pub const Uid = linux.uid_t;
pub const Gid = linux.gid_t;

/// The caller's real uid and gid, which the drop keeps.
pub const Ids = struct { uid: Uid, gid: Gid };

pub fn realIds() Ids {
    return .{ .uid = linux.getuid(), .gid = linux.getgid() };
}

/// Whether this process runs with privilege its caller does not have.
pub fn privileged() bool {
    return linux.getauxval(std.elf.AT.SECURE) != 0 and linux.getuid() != 0;
}

const capability_version_3 = 0x20080522;

/// `struct __user_cap_header_struct` (std's declares `pid` as a usize, which the kernel reads
/// as an int at offset 4).
const CapHeader = extern struct { version: u32, pid: i32 };
/// `struct __user_cap_data_struct`; version 3 takes two (capabilities 0-31, 32-63).
const CapData = extern struct { effective: u32, permitted: u32, inheritable: u32 };

/// Every uid and gid set to the real ones, every capability set emptied, no new privileges on
/// exec, not dumpable. The caller's supplementary groups are the caller's own and stay.
/// Returns whether each step and `verifyDropped` succeeded.
pub fn drop(ids: Ids) bool {
    if (linux.errno(linux.setresgid(ids.gid, ids.gid, ids.gid)) != .SUCCESS) return false;
    if (linux.errno(linux.setresuid(ids.uid, ids.uid, ids.uid)) != .SUCCESS) return false;
    var header: CapHeader = .{ .version = capability_version_3, .pid = 0 };
    const none: [2]CapData = @splat(.{ .effective = 0, .permitted = 0, .inheritable = 0 });
    if (linux.errno(linux.syscall2(.capset, @intFromPtr(&header), @intFromPtr(&none))) != .SUCCESS) return false;
    if (linux.errno(linux.prctl(@intFromEnum(linux.PR.SET_NO_NEW_PRIVS), 1, 0, 0, 0)) != .SUCCESS) return false;
    if (linux.errno(linux.prctl(@intFromEnum(linux.PR.SET_DUMPABLE), 0, 0, 0, 0)) != .SUCCESS) return false;
    return verifyDropped(ids);
}

/// Reads back what `drop` set: all uids and gids the real ones, no capability in any set
/// (ambient ones go with the permitted set), no new privileges, not dumpable.
pub fn verifyDropped(ids: Ids) bool {
    var uids: [3]Uid = undefined;
    var gids: [3]Gid = undefined;
    if (linux.errno(linux.getresuid(&uids[0], &uids[1], &uids[2])) != .SUCCESS) return false;
    if (linux.errno(linux.getresgid(&gids[0], &gids[1], &gids[2])) != .SUCCESS) return false;
    for (uids) |uid| if (uid != ids.uid) return false;
    for (gids) |gid| if (gid != ids.gid) return false;

    var header: CapHeader = .{ .version = capability_version_3, .pid = 0 };
    var sets: [2]CapData = undefined;
    if (linux.errno(linux.syscall2(.capget, @intFromPtr(&header), @intFromPtr(&sets))) != .SUCCESS) return false;
    for (sets) |set| if (set.effective | set.permitted | set.inheritable != 0) return false;

    return linux.prctl(@intFromEnum(linux.PR.GET_NO_NEW_PRIVS), 0, 0, 0, 0) == 1 and
        linux.prctl(@intFromEnum(linux.PR.GET_DUMPABLE), 0, 0, 0, 0) == 0;
}

test "root is never privileged; root has capabilities, so it has not dropped" {
    try std.testing.expectEqual(linux.getuid(), realIds().uid);
    if (linux.getuid() != 0) return error.SkipZigTest;
    try std.testing.expect(!privileged());
    try std.testing.expect(!verifyDropped(realIds()));
}
