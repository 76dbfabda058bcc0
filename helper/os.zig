//! The operating-system seam: every system call the helper makes, and every `/proc` path it
//! opens, goes through this file. It chooses a backend folder at compile time (as TigerBeetle's
//! `io.zig` chooses `io/linux.zig`); the rest of the helper imports `os.zig` only, so a macOS or
//! Windows backend is a folder of its own (`os/darwin/`, `os/windows/`) offering the same names.

const builtin = @import("builtin");

const backend = switch (builtin.target.os.tag) {
    .linux => struct {
        pub const files = @import("os/linux/files.zig");
        pub const procfs = @import("os/linux/procfs.zig");
        pub const memory = @import("os/linux/memory.zig");
        pub const process = @import("os/linux/process.zig");
        pub const credentials = @import("os/linux/credentials.zig");
        pub const access_rule = @import("os/linux/access_rule.zig");
        pub const clock = @import("os/linux/clock.zig");
        pub const scheduling = @import("os/linux/scheduling.zig");
        pub const ptrace = @import("os/linux/ptrace.zig");
    },
    else => @compileError("tachyon-helper has an os/ backend for Linux only"),
};

/// Descriptors, positioned reads, inodes, writes, polling stdin and stdout.
pub const files = backend.files;
/// The target's files (`/proc/PID/...` on Linux, pinned by a directory descriptor), its
/// liveness, its credentials.
pub const procfs = backend.procfs;
/// Batched reads of another process's memory; page-granular allocation for this one.
pub const memory = backend.memory;
/// This process: its ids and signal handlers.
pub const process = backend.process;
/// This process's privilege: whether it has any its caller lacks, and dropping it for good.
pub const credentials = backend.credentials;
/// The rule a privileged helper applies to a target, over its pinned `/proc/PID` directory.
pub const access_rule = backend.access_rule;
/// Clocks and sleeping to a deadline.
pub const clock = backend.clock;
/// Real-time scheduling and timer slack.
pub const scheduling = backend.scheduling;
/// `--blocking`: attaching to, stopping and resuming the target's threads.
pub const ptrace = backend.ptrace;
/// Thread ids from the target's PID namespace to `/proc`'s (Linux only, like every backend here).
pub const pid_namespace = @import("os/linux/pid_namespace.zig");

/// A process (or thread) id, and an open file.
pub const Pid = process.Pid;
pub const Fd = files.Fd;

test {
    _ = files;
    _ = procfs;
    _ = memory;
    _ = process;
    _ = credentials;
    _ = access_rule;
    _ = clock;
    _ = scheduling;
    _ = ptrace;
}
