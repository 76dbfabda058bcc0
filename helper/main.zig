//! `tachyon-helper`: samples the Python stacks of a running CPython process and streams them
//! to stdout as MessagePack (`docs/protocol.md`). This file is the only place that exits: it
//! parses the options, pins the target by its `/proc/PID` directory, and when executed with
//! privilege (setuid, setgid, file capabilities) checks the rule, opens the target's memory and
//! drops every privilege before anything else (`docs/security.md`); then it locates the runtime,
//! runs the `Sampler`, and turns the outcome into an exit code (`fatal.zig`).
//!
//! Layout of the helper (one line per file in `helper/README.md`): `locate.zig` finds the runtime
//! (`proc_maps.zig`, `elf.zig`) and its layout (`py_offsets.zig`); `Sampler.zig` runs the ticks,
//! `thread_list.zig`, `thread_read.zig` and `StackWalk.zig` read the stacks through
//! `RemoteMemory.zig`; `wire.zig` and `Output.zig` write the stream; every system call goes
//! through `os.zig`.

const std = @import("std");
const build_options = @import("build_options");
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

/// A panic writes one line and exits 8, opening no file (`fatal.panic`); no segfault handler
/// either, since it would read debug info to print a trace.
pub const panic = std.debug.FullPanic(fatal.panic);
pub const std_options: std.Options = .{ .enable_segfault_handler = false };

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

    // The /proc/PID directory pins the target: every file of it is opened relative to it.
    const pid = options.pid;
    const process_dir = os.procfs.openProcess(pid) catch |err| return switch (err) {
        error.NotFound => diagnostic.fail(.process_not_found, "no process with pid {d}", .{pid}),
        error.PermissionDenied => locate.permissionDenied(pid, diagnostic),
        error.OtherFailure => diagnostic.fail(.internal, "cannot open /proc/{d}", .{pid}),
    };
    var memory: RemoteMemory = .{ .pid = pid };
    if (os.credentials.privileged()) {
        // Executed with privilege (setuid, setgid, file capabilities): the rule, `mem`, the drop.
        memory.mem_fd = try openMemoryThenDrop(pid, process_dir, options, diagnostic);
    } else {
        testPanicAt(options, .before_drop);
    }
    // From here on the helper has its caller's rights and no more (docs/security.md).
    testPanicAt(options, .after_drop);
    const stat_fd = os.procfs.openIn(process_dir, .stat) catch |err| return switch (err) {
        error.NotFound => diagnostic.fail(.process_not_found, "no process with pid {d}", .{pid}),
        error.PermissionDenied => locate.permissionDenied(pid, diagnostic),
        error.OtherFailure => diagnostic.fail(.internal, "cannot open /proc/{d}/stat", .{pid}),
    };
    const target = try locate.locate(pid, process_dir, memory, maps_buffer, diagnostic);
    Priority.preciseTimers();
    // Asked for after the drop: granted only if the caller may have it (RLIMIT_RTPRIO, or root).
    var priority: Priority = if (options.realtime) .enter(options.rate_hz, os.clock.monotonicNs()) else .{};
    defer priority.leave();
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

/// The privileged start-up, in the order `docs/security.md` gives: check the rule
/// (`os.access_rule`) and snapshot the target, open `mem`, check and snapshot again (a different
/// snapshot: the target executed a new program in between), then drop every privilege and
/// verify it. Only files under the pinned `/proc/PID` are opened before the drop.
fn openMemoryThenDrop(pid: os.Pid, process_dir: os.Fd, options: Options, diagnostic: *fatal.Diagnostic) fatal.Error!os.Fd {
    const ids = os.credentials.realIds();
    const caller: os.access_rule.Caller = .{ .uid = ids.uid, .gid = ids.gid };
    const self_pid = os.process.selfPid();

    if (os.access_rule.checkPid(pid, self_pid)) |refusal| return refuse(pid, refusal, caller, diagnostic);
    // The rule first, so that a refusal names the condition rather than an unreadable file.
    if (os.access_rule.check(process_dir, pid, self_pid, caller)) |refusal| return refuse(pid, refusal, caller, diagnostic);
    const before = os.access_rule.Snapshot.take(process_dir) orelse return refuse(pid, .{ .unreadable = "auxiliary vector or executable" }, caller, diagnostic);
    const mem_fd = os.procfs.openIn(process_dir, .mem) catch |err| return switch (err) {
        error.NotFound => diagnostic.fail(.process_not_found, "process {d} exited", .{pid}),
        error.PermissionDenied => refuse(pid, .{ .unreadable = "memory" }, caller, diagnostic),
        error.OtherFailure => diagnostic.fail(.internal, "cannot open /proc/{d}/mem", .{pid}),
    };
    errdefer os.files.close(mem_fd);
    if (os.access_rule.check(process_dir, pid, self_pid, caller)) |refusal| return refuse(pid, refusal, caller, diagnostic);
    const after = os.access_rule.Snapshot.take(process_dir) orelse return refuse(pid, .new_program, caller, diagnostic);
    if (!before.same(&after)) return refuse(pid, .new_program, caller, diagnostic);

    testPanicAt(options, .before_drop);
    if (!os.credentials.drop(ids)) {
        return diagnostic.fail(.internal, "could not drop privileges to uid {d} gid {d} (and no capabilities)", .{ ids.uid, ids.gid });
    }
    return mem_fd;
}

fn refuse(pid: os.Pid, refusal: os.access_rule.Refusal, caller: os.access_rule.Caller, diagnostic: *fatal.Diagnostic) fatal.Error {
    var condition: [300]u8 = undefined;
    return diagnostic.fail(.permission_denied, "not allowed to read process {d}: {s}", .{ pid, refusal.describe(caller, &condition) });
}

/// `--test-panic` (builds with `-Dtest-hooks=true` only): a real safety check fails here.
fn testPanicAt(options: Options, point: Options.TestPanic) void {
    if (!build_options.test_hooks or options.test_panic != point) return;
    var words: [2]u32 = .{ std.math.maxInt(u32), 1 };
    std.mem.doNotOptimizeAway(&words);
    std.mem.doNotOptimizeAway(words[0] + words[1]); // integer overflow
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
    _ = @import("proc_maps.zig");
}
