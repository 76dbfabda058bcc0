//! `tachyon-helper`: samples the Python stacks of a running CPython process and streams them
//! to stdout as MessagePack (`docs/protocol.md`). This file is the only place that exits: it
//! parses the options, opens the target (while privileged, when installed setuid), drops
//! privileges, runs the `Sampler`, and turns the outcome into an exit code (`fatal.zig`).
//!
//! Layout of the helper (one line per file in `helper/README.md`): `locate.zig` finds the runtime
//! (`proc_maps.zig`, `elf.zig`) and its layout (`py_offsets.zig`); `Sampler.zig` runs the ticks,
//! `thread_list.zig`, `thread_read.zig` and `StackWalk.zig` read the stacks through
//! `RemoteMemory.zig`; `wire.zig` and `Output.zig` write the stream; every system call goes
//! through `os.zig`.

const std = @import("std");
const fatal = @import("fatal.zig");
const limits = @import("limits.zig");
const buffers = @import("buffers.zig");
const locate = @import("locate.zig");
const os = @import("os.zig");
const wire = @import("wire.zig");
const py_offsets = @import("py_offsets.zig");
const Options = @import("Options.zig");
const Output = @import("Output.zig");
const Priority = @import("Priority.zig");
const RemoteMemory = @import("RemoteMemory.zig");
const Sampler = @import("Sampler.zig");
const Stopper = @import("Stopper.zig");

pub fn main(init: std.process.Init.Minimal) u8 {
    var args: [64][]const u8 = undefined;
    const argv = init.args.vector;
    if (argv.len > args.len) return usageError("too many arguments");
    for (argv[1..], 0..) |arg, i| args[i] = std.mem.span(arg);

    var message: [256]u8 = undefined;
    const command = Options.parse(args[0 .. argv.len - 1], &message) catch
        return usageError(std.mem.sliceTo(&message, 0));
    switch (command) {
        .help => {
            os.files.writeAll(os.files.stdout, Options.usage);
            return @intFromEnum(fatal.ExitCode.ok);
        },
        .version => {
            var line: [96]u8 = undefined;
            os.files.writeAll(os.files.stdout, std.fmt.bufPrint(&line, "tachyon-helper {s} protocol {d} python {s}\n", .{ wire.helper_version, wire.protocol_version, py_offsets.supported_range }) catch unreachable);
            return @intFromEnum(fatal.ExitCode.ok);
        },
        .run => |options| {
            var diagnostic: fatal.Diagnostic = .{};
            run(options, &diagnostic) catch {
                var line: [600]u8 = undefined;
                os.files.writeAll(os.files.stderr, std.fmt.bufPrint(&line, "tachyon-helper: {s}\n", .{diagnostic.message()}) catch diagnostic.message());
                return @intFromEnum(diagnostic.code);
            };
            return @intFromEnum(fatal.ExitCode.ok);
        },
    }
}

fn run(options: Options, diagnostic: *fatal.Diagnostic) fatal.Error!void {
    installSignalHandlers();
    const gpa = std.heap.page_allocator;
    const maps_buffer = buffers.alloc(u8, limits.maps_bytes_max) catch return outOfMemory(diagnostic);
    const output_buffer = buffers.alloc(u8, limits.output_bytes) catch return outOfMemory(diagnostic);

    const pid = options.pid;
    const stat_fd = os.procfs.open(pid, "stat") catch |err| return switch (err) {
        error.NotFound => diagnostic.fail(.process_not_found, "no process with pid {d}", .{pid}),
        error.PermissionDenied => locate.permissionDenied(pid, diagnostic),
        error.OtherFailure => diagnostic.fail(.internal, "cannot open /proc/{d}/stat", .{pid}),
    };

    // Installed setuid: the real user must own the target; open what needs privilege, then drop.
    const real_uid = os.process.realUid();
    const setuid = os.process.effectiveUid() != real_uid;
    var memory: RemoteMemory = .{ .pid = pid };
    if (setuid) {
        try checkOwner(pid, real_uid, diagnostic);
        memory.mem_fd = os.procfs.open(pid, "mem") catch return locate.permissionDenied(pid, diagnostic);
    }
    const target = try locate.locate(pid, memory, maps_buffer, diagnostic);
    Priority.preciseTimers();
    // Asked for while still privileged (setuid), after the costly start-up; given back any time.
    var priority: Priority = if (options.realtime) .enter(options.rate_hz, os.clock.monotonicNs()) else .{};
    defer priority.leave();
    if (setuid) try dropPrivileges(diagnostic);
    buffers.free(u8, maps_buffer);

    var out: Output = .init(1, output_buffer);
    var sampler = Sampler.init(gpa, options, &target, memory, stat_fd, &out) catch return outOfMemory(diagnostic);
    sampler.priority = &priority;
    var stopper: Stopper = undefined;
    if (options.blocking) {
        stopper = Stopper.init(pid) catch |err| return switch (err) {
            error.PermissionDenied => diagnostic.fail(.permission_denied, "--blocking: no permission to trace process {d} (ptrace)", .{pid}),
            error.ProcessGone => diagnostic.fail(.process_not_found, "no process with pid {d}", .{pid}),
            error.OtherFailure => diagnostic.fail(.internal, "--blocking: cannot list the threads of process {d}", .{pid}),
        };
        sampler.stopper = &stopper;
    }
    _ = sampler.run() catch |err| switch (err) {
        error.OutputClosed => return diagnostic.fail(.output_closed, "stdout was closed by the reader", .{}),
    };
}

/// The real user may read the target only if it owns it (all of the target's uids) or is root.
fn checkOwner(pid: os.Pid, real_uid: os.process.Uid, diagnostic: *fatal.Diagnostic) fatal.Error!void {
    if (real_uid == 0) return;
    const fd = os.procfs.open(pid, "status") catch return locate.permissionDenied(pid, diagnostic);
    defer os.files.close(fd);
    var buffer: [4096]u8 = undefined;
    const status = os.files.readAll(fd, &buffer) catch return locate.permissionDenied(pid, diagnostic);
    const uids = os.procfs.uidsFromStatus(status) orelse return locate.permissionDenied(pid, diagnostic);
    if (uids.real != real_uid or uids.effective != real_uid or uids.saved != real_uid) {
        return locate.permissionDenied(pid, diagnostic);
    }
}

fn dropPrivileges(diagnostic: *fatal.Diagnostic) fatal.Error!void {
    const ids = os.process.realIds();
    if (!os.process.dropPrivileges(ids)) {
        return diagnostic.fail(.internal, "could not drop privileges to uid {d}", .{ids.uid});
    }
}

/// SIGINT and SIGTERM ask for a clean stop (the sleep returns early); SIGPIPE is ignored so
/// that a closed stdout shows up as a failed write.
fn installSignalHandlers() void {
    os.process.installStopHandlers(onStopSignal);
}

fn onStopSignal() void {
    Sampler.stop_signal.store(true, .monotonic);
}

fn outOfMemory(diagnostic: *fatal.Diagnostic) fatal.Error {
    return diagnostic.fail(.internal, "out of memory while allocating the sampling buffers", .{});
}

fn usageError(message: []const u8) u8 {
    var line: [300]u8 = undefined;
    os.files.writeAll(os.files.stderr, Options.usage);
    os.files.writeAll(os.files.stderr, std.fmt.bufPrint(&line, "tachyon-helper: {s}\n", .{message}) catch message);
    return @intFromEnum(fatal.ExitCode.usage);
}

test {
    _ = @import("limits.zig");
    _ = @import("buffers.zig");
    _ = @import("fatal.zig");
    _ = @import("wire.zig");
    _ = @import("Output.zig");
    _ = @import("Options.zig");
    _ = @import("Priority.zig");
    _ = @import("ThreadNames.zig");
    _ = @import("proc_maps.zig");
    _ = @import("elf.zig");
    _ = @import("RemoteMemory.zig");
    _ = @import("pthread_tid.zig");
    _ = @import("version_string.zig");
    _ = @import("py_offsets.zig");
    _ = @import("pep393.zig");
    _ = @import("cycle.zig");
    _ = @import("os.zig");
    _ = @import("memory.zig");
    _ = @import("ByteImage.zig");
    _ = @import("locate.zig");
    _ = @import("FrameCache.zig");
    _ = @import("CodeCache.zig");
    _ = @import("Locals.zig");
    _ = @import("Sampler.zig");
    _ = @import("TaskStates.zig");
    _ = @import("Stopper.zig");
}
