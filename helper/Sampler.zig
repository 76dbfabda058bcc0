//! The sampling loop: at each tick, walk every sampled thread's Python stack and write one
//! `sample` (or `sample_failed`) message per thread, plus `stats` about once a second.
//!
//! Tick: runtime -> interpreters -> thread states (`thread_list.zig`) -> one read per thread
//! (`thread_read.zig`) -> frames (`StackWalk.zig`) -> status bits (`thread_status.zig`) -> a
//! `sample` message (`Output.zig`). A torn walk is re-read from the thread state up to
//! `--retries` times: a wrong stack is never reported.
//!
//! Timing: the loop sleeps to absolute monotonic deadlines; when it falls more than one
//! interval behind it counts the skipped ticks as missed and re-anchors instead of bursting.
//! It stops on a signal, at the end of `--duration-ms`, when stdin closes
//! (`--stop-on-stdin-eof`) or when the target exits; the first three are also checked between
//! two threads of a tick, which is bounded as a whole (`thread_list.TickBounds`).

const std = @import("std");
const limits = @import("limits.zig");
const wire = @import("wire.zig");
const os = @import("os.zig");
const memory_interface = @import("memory.zig");
const Options = @import("Options.zig");
const Output = @import("Output.zig");
const PyOffsets = @import("py_offsets.zig").PyOffsets;
const RemoteMemory = @import("RemoteMemory.zig");
const Target = @import("locate.zig").Target;
const TaskStates = @import("TaskStates.zig");
const ThreadNames = @import("ThreadNames.zig");
const Stopper = @import("Stopper.zig");
const Priority = @import("Priority.zig");
const Locals = @import("Locals.zig");
const LeafPage = @import("LeafPage.zig");
const StackWalk = @import("StackWalk.zig");
const thread_list = @import("thread_list.zig");
const thread_read = @import("thread_read.zig");
const thread_status = @import("thread_status.zig");

const Sampler = @This();

/// Set by the SIGINT/SIGTERM handler installed in `main.zig`.
pub var stop_signal: std.atomic.Value(bool) = .init(false);

pub const Error = Output.Error;

options: Options,
target: *const Target,
offsets: *const PyOffsets,
memory: RemoteMemory,
/// The target's stat file, kept open to notice the target's exit.
stat_fd: os.Fd,
out: *Output,
/// The stack walk over the target's memory, with its frame and code caches.
walker: StackWalk.StackWalk(RemoteMemory),
/// Without --all-threads: the main interpreter and its main thread, re-read only every
/// `limits.roots_refresh_interval_ns` or after a failed read, since they live as long as the
/// interpreter does. This keeps a tick to two system calls.
main_roots: ?thread_list.MainRoots = null,
/// With --all-threads: the first interpreter's address, re-read as `main_roots` are.
interpreters_head: ?struct { address: u64, expires_ns: u64 } = null,
/// With --all-threads: the first interpreter's thread list as the previous tick found it. Its
/// head is sampled at once, with the interpreter's fields read in the same system call
/// (`probe`); only if the list changed is that sample dropped and the list walked afresh.
first_threads: ?struct { head: u64, main: u64 } = null,
/// Set while the next `readThreadState` must also read these interpreter fields.
probe: ?thread_list.InterpreterProbe = null,
/// Each thread's leaf frame page at its previous sample, read together with its thread state.
leaf_pages: []LeafPage,
/// Ticks so far, for evicting the `leaf_pages` slot of the thread sampled longest ago.
ticks: u64 = 0,
/// `--cpu-state`: each sampled thread's OS state.
task_states: TaskStates,
/// Each sampled thread's OS name, sent when it changes.
thread_names: ThreadNames,
/// Thread ids read from the target, from its PID namespace to `/proc`'s (the identity when
/// they are the same).
pid_namespace: os.pid_namespace.Translation,
/// `--blocking`: stops the target's threads around each tick.
stopper: ?*Stopper = null,
/// `--realtime`: the scheduling the loop runs under, checked once per stats window.
priority: ?*Priority = null,
/// The address of `None`, learnt from the first handled-exception item that holds it, and the
/// last object seen there that is not `None`: in steady state telling them apart reads nothing.
none_object: u64 = 0,
not_none_object: u64 = 0,
/// 3.8-3.10: where the kernel tid is inside `struct pthread` (pthread_tid.zig); null until the
/// main thread has been seen, or for good if `tid_offset_searched` found nothing.
tid_offset: ?u32 = null,
tid_offset_searched: bool = false,
/// `--locals`: reads each frame's locals after its sample.
locals: ?Locals = null,
/// The current tick's bounds: thread budget, deadline, the thread states already visited.
bounds: thread_list.TickBounds,
/// The end of `--duration-ms` (null: none) and the next poll of stdin (`--stop-on-stdin-eof`).
end_ns: ?u64 = null,
next_stdin_ns: u64 = 0,
/// A tick has been taken: the duration may end the run (one tick is always taken).
ticked: bool = false,
/// Scratch for reading a thread state: preallocated, since a safe build fills every
/// `undefined` local with 0xaa on each call.
thread_segments: []memory_interface.Segment,
thread_bytes: []u8,

stats: wire.Stats = .{ .time_ns = 0, .ticks_taken = 0, .ticks_failed = 0, .ticks_missed = 0, .retries = 0 },

pub fn init(
    gpa: std.mem.Allocator,
    options: Options,
    target: *const Target,
    memory: RemoteMemory,
    stat_fd: os.Fd,
    out: *Output,
) std.mem.Allocator.Error!Sampler {
    return .{
        .options = options,
        .target = target,
        .offsets = &target.offsets,
        .memory = memory,
        .stat_fd = stat_fd,
        .out = out,
        .task_states = .init(options.pid),
        .thread_names = .init(options.pid),
        .pid_namespace = try .init(gpa, options.pid),
        .walker = try .init(gpa, memory, &target.offsets, out, options.native, options.locals),
        .leaf_pages = leafPages: {
            const slots = try gpa.alloc(LeafPage, limits.leaf_page_slots);
            @memset(slots, .{ .tstate = 0 });
            break :leafPages slots;
        },
        .locals = if (options.locals) try Locals.init(gpa, memory, &target.offsets) else null,
        .bounds = .{ .seen = .{ .slots = seen: {
            const slots = try gpa.alloc(thread_list.Seen.Slot, limits.seen_slots);
            @memset(slots, .{});
            break :seen slots;
        } } },
        .thread_bytes = try gpa.alloc(u8, limits.thread_state_bytes_max),
        // Interpreter words (4), thread state (1), interpreter probe (4), pages, headers, a tid.
        .thread_segments = try gpa.alloc(memory_interface.Segment, 4 + 1 + 4 + limits.hot_frame_pages + limits.hot_codes_max + 1),
    };
}

pub fn run(s: *Sampler) Error!wire.StopReason {
    const interval_ns = s.options.intervalNs();
    const start_ns = monotonicNs();
    try s.writeHello(start_ns, interval_ns);

    s.end_ns = if (s.options.duration_ms == 0) null else start_ns + s.options.duration_ms * std.time.ns_per_ms;
    s.next_stdin_ns = start_ns;
    var next_stats_ns = start_ns + limits.stats_interval_ns;
    var next_liveness_ns = start_ns + limits.liveness_interval_ns;
    var deadline_ns = start_ns;

    const reason: wire.StopReason = while (true) {
        const now_ns = monotonicNs();
        if (s.stopDue(now_ns)) |reason| break reason;
        if (now_ns >= next_liveness_ns) {
            if (!os.procfs.isAlive(s.stat_fd)) break .target_exited;
            next_liveness_ns = now_ns + limits.liveness_interval_ns;
        }

        if (s.stopper) |stopper| stopper.stopAll();
        const result = s.tick(now_ns, interval_ns);
        if (s.stopper) |stopper| stopper.resumeAll();
        s.ticked = true;
        const outcome = try result;
        if (outcome == .target_gone and !os.procfs.isAlive(s.stat_fd)) break .target_exited;
        if (s.bounds.end) |end| switch (end) {
            .stop => |reason| break reason,
            .cut => {},
        };

        const after_ns = monotonicNs();
        if (after_ns >= next_stats_ns) {
            if (s.priority) |priority| if (priority.check(after_ns)) warnLeftRealtime();
            try s.writeStats(after_ns);
            next_stats_ns = after_ns + limits.stats_interval_ns;
        }

        deadline_ns += interval_ns;
        if (after_ns > deadline_ns + interval_ns) {
            const behind = (after_ns - deadline_ns) / interval_ns;
            s.stats.ticks_missed += behind;
            deadline_ns += behind * interval_ns;
        }
        try s.out.flushIfDue(deadline_ns);
        sleepUntil(deadline_ns);
    };

    try s.writeStats(monotonicNs());
    const encoder = try s.out.begin(monotonicNs(), 16);
    encoder.writeBye(reason);
    try s.out.flush();
    return reason;
}

/// A stop to honour now, if any: a signal, the end of `--duration-ms` (once a tick was taken),
/// end of file on stdin (polled every `limits.stdin_poll_interval_ns`). Checked before each tick
/// and between two threads of a tick.
pub fn stopDue(s: *Sampler, now_ns: u64) ?wire.StopReason {
    if (stop_signal.load(.monotonic)) return .stop_requested;
    if (s.ticked) if (s.end_ns) |end_ns| if (now_ns >= end_ns) return .duration_elapsed;
    if (s.options.stop_on_stdin_eof and now_ns >= s.next_stdin_ns) {
        if (os.files.stdinClosed()) return .stop_requested;
        s.next_stdin_ns = now_ns + limits.stdin_poll_interval_ns;
    }
    return null;
}

fn writeHello(s: *Sampler, start_ns: u64, interval_ns: u64) Error!void {
    var flags: u32 = 0;
    if (s.target.debug_build) flags |= wire.HelloFlags.debug_build;
    if (s.priority) |priority| if (priority.realtime) {
        flags |= wire.HelloFlags.realtime;
    };
    if (s.pid_namespace.translating) flags |= wire.HelloFlags.other_pid_namespace;
    const encoder = try s.out.begin(start_ns, 256 + s.target.runtimePath().len);
    encoder.writeHello(.{
        .pid = @intCast(s.options.pid),
        .python_version_hex = s.offsets.version_hex,
        .layout_source = s.offsets.source.name(),
        .runtime_path = s.target.runtimePath(),
        .sample_interval_ns = interval_ns,
        .start_monotonic_ns = start_ns,
        .start_unix_ns = realtimeNs(),
        .flags = flags,
        .target_ns_pid = s.pid_namespace.own_pid,
    });
    try s.out.flush();
}

fn writeStats(s: *Sampler, now_ns: u64) Error!void {
    s.stats.time_ns = now_ns;
    const encoder = try s.out.begin(now_ns, 64);
    encoder.writeStats(s.stats);
    try s.out.end();
}

const TickOutcome = enum { sampled, nothing, failed, target_gone };

/// One pass over the sampled threads, within `s.bounds`. A tick cut short by a bound, or whose
/// list looped, is counted as failed and says so (`sample_failed` `tick_cut`).
fn tick(s: *Sampler, now_ns: u64, interval_ns: u64) Error!TickOutcome {
    s.ticks += 1;
    s.bounds.start(s.ticks, now_ns, interval_ns);
    var tally: Tally = .{};
    thread_list.sampleInterpreters(s, now_ns, &tally) catch |err| switch (err) {
        error.OutputClosed => return error.OutputClosed,
        error.ProcessGone => return .target_gone,
        // The interpreter or thread list itself could not be read.
        error.Unmapped, error.PermissionDenied => {
            tally.failed += 1;
            const encoder = try s.out.begin(now_ns, 32);
            encoder.writeSampleFailed(now_ns, 0, .read_error);
            try s.out.end();
        },
    };
    const cut = if (s.bounds.end) |end| end == .cut else false;
    if (cut or s.bounds.looped) {
        tally.failed += 1;
        const encoder = try s.out.begin(now_ns, 32);
        encoder.writeSampleFailed(now_ns, 0, .tick_cut);
        try s.out.end();
    }
    if (tally.failed > 0) s.stats.ticks_failed += 1;
    if (tally.sampled > 0) s.stats.ticks_taken += 1;
    return if (tally.failed > 0) .failed else if (tally.sampled > 0) .sampled else .nothing;
}

pub const Tally = struct { sampled: u32 = 0, failed: u32 = 0 };

/// Samples one thread, re-reading it while its stack looks torn. Returns its `next` pointer.
pub fn sampleThread(s: *Sampler, tstate: u64, main_thread: u64, interpreter: u64, now_ns: u64, tally: *Tally) (memory_interface.Error || Output.Error || thread_list.ProbeError)!u64 {
    var walked: Walked = .{};
    const frame_count = try s.readAndWalk(tstate, main_thread, interpreter, &walked) orelse {
        tally.failed += 1;
        const encoder = try s.out.begin(now_ns, 40);
        encoder.writeSampleFailed(now_ns, if (walked.thread_read) walked.thread.native_thread_id else 0, walked.failure);
        try s.out.end();
        return 0;
    };
    if (frame_count > 0) {
        try s.writeSample(tstate, main_thread, walked.thread, walked.state_before, now_ns, frame_count);
        tally.sampled += 1;
        if (s.locals != null) try s.writeLocals(now_ns, walked.thread.native_thread_id, frame_count / 2);
    }
    return walked.thread.next;
}

/// What `readAndWalk` saw: the thread state last read, why the last attempt failed, the attempts
/// used up, and (`--cpu-state`) the thread's OS state just after the thread state was read.
const Walked = struct {
    /// Valid once `thread_read` is set: every read of the thread state may fail.
    thread: thread_read.ThreadState = undefined,
    thread_read: bool = false,
    failure: wire.FailReason = .torn,
    attempts: u32 = 0,
    state_before: TaskStates.State = .unknown,
};

/// Reads the thread state and walks its stack until a walk holds or `--retries` are used up
/// (then null). Returns the number of frame ints.
fn readAndWalk(s: *Sampler, tstate: u64, main_thread: u64, interpreter: u64, walked: *Walked) (memory_interface.Error || Output.Error || thread_list.ProbeError)!?usize {
    // Re-reads after a frame object was freed under the walk (before 3.11): the stack was
    // not torn, just faster than one read, so they do not use up `--retries`.
    var rereads: u32 = 0;
    while (walked.attempts <= s.options.retries) {
        if (walked.attempts + rereads > 0) s.stats.retries += 1;
        const probing = s.probe != null and walked.attempts + rereads == 0;
        walked.thread = thread_read.readThreadState(s, tstate, interpreter, probing) catch |err| switch (err) {
            error.Unmapped => {
                if (probing) return error.ProbeUnread;
                walked.failure = .read_error;
                walked.attempts += 1;
                continue;
            },
            else => |e| return e,
        };
        walked.thread_read = true;
        if (probing) {
            // `tstate` was the previous tick's head: sample it only if it still is.
            const fresh = s.probe.?.interpreter(s.offsets.interpreter);
            if (fresh.threads_head != tstate or fresh.threads_main != main_thread) return error.ListChanged;
        }
        // `--cpu-state`: the OS state just after the thread state was read, and again after
        // the walk. The walk takes tens of microseconds; a thread that fell asleep or woke up
        // meanwhile (its stack then shows the call that sleeps) is not counted as on a CPU.
        if (s.options.cpu_state) walked.state_before = s.task_states.state(walked.thread.native_thread_id);
        if (s.walker.walk(walked.thread.frames())) |count| {
            return count;
        } else |err| switch (err) {
            error.FrameFreed => {
                walked.failure = .torn;
                if (rereads < limits.freed_frame_rereads_max) rereads += 1 else walked.attempts += 1;
            },
            error.Torn => {
                walked.failure = .torn;
                walked.attempts += 1;
            },
            error.Unmapped => {
                walked.failure = .read_error;
                walked.attempts += 1;
            },
            error.ProcessGone, error.PermissionDenied, error.OutputClosed => |e| return e,
        }
    }
    return null;
}

/// Writes the `sample` of a thread just walked, preceded by its `thread_name` when that changed.
fn writeSample(s: *Sampler, tstate: u64, main_thread: u64, thread: thread_read.ThreadState, state_before: TaskStates.State, now_ns: u64, frame_count: usize) (memory_interface.Error || Output.Error)!void {
    const status = try thread_status.statusBits(s, tstate, main_thread, thread, state_before);
    if (s.thread_names.changed(thread.native_thread_id, now_ns)) |name| {
        const named = try s.out.begin(now_ns, 48 + ThreadNames.name_bytes_max);
        named.writeThreadName(now_ns, thread.native_thread_id, name);
        try s.out.end();
    }
    const frames = s.walker.frame_ints[0..frame_count];
    const encoder = try s.out.begin(now_ns, wire.sampleBytesMax(frames.len));
    encoder.writeSample(now_ns, thread.native_thread_id, status, frames);
    try s.out.end();
}

/// `--locals`: a `frame_locals` message for each Python frame of the stack just walked (its
/// code headers are still in the walker's `headers`). The truncation marker has no frame
/// behind it.
fn writeLocals(s: *Sampler, now_ns: u64, thread_id: u64, frames: usize) (Output.Error || error{ProcessGone})!void {
    const locals = &(s.locals orelse return);
    const w = &s.walker;
    const code_size: usize = @intCast(s.offsets.code.size);
    for (0..frames) |level| {
        if (level >= w.distinct_depth) break;
        const executable = w.executables[level];
        if (executable == StackWalk.native_marker) continue;
        const header = w.headers[w.distinct.indexOf(executable) * code_size ..][0..code_size];
        try locals.write(s.out, now_ns, thread_id, @intCast(level), w.frame_addresses[level], header);
    }
}

fn warnLeftRealtime() void {
    const line = std.fmt.comptimePrint("tachyon-helper: left real-time scheduling: sampling used more than {d}% of a CPU\n", .{limits.realtime_cpu_percent_max});
    os.files.writeStderr(line);
}

const monotonicNs = os.clock.monotonicNs;
const realtimeNs = os.clock.realtimeNs;
const sleepUntil = os.clock.sleepUntil;

test {
    _ = LeafPage;
    _ = StackWalk;
    _ = @import("DistinctCodes.zig");
    _ = @import("stack_walk_test.zig");
    _ = thread_list;
    _ = thread_read;
    _ = thread_status;
    _ = os.pid_namespace;
}
