//! The sampling loop: at each tick, walk every sampled thread's Python stack and write one
//! `sample` (or `sample_failed`) message per thread, plus `stats` about once a second.
//!
//! Tick: runtime -> interpreters -> thread states -> frames (`current_frame`, then `previous`).
//! The version families differ only in what `PyOffsets` says: before 3.11 frames are
//! `PyFrameObject`s chained by `f_back` from `tstate->frame`, with `f_lasti` as the instruction
//! position (and a freed frame recognised by its zero reference count); 3.11/3.12 reach the top
//! `_PyInterpreterFrame` through `tstate->cframe`; 3.12+ skip C-stack shim frames by owner.
//! The target is never paused, so a walk can see a stack being changed. Every walk is checked
//! (alignment, frame owner, code type, instruction range, cycles, and on 3.15 the sentinel base
//! frame) and a torn walk is re-read from the thread state up to `--retries` times: a wrong
//! stack is never reported. Frames are read through `FrameCache` and the code headers of a
//! stack with one batched read; `CodeCache` turns code objects into ids.
//!
//! Timing: the loop sleeps to absolute `CLOCK_MONOTONIC` deadlines; when it falls more than one
//! interval behind it counts the skipped ticks as missed and re-anchors instead of bursting.

const std = @import("std");
const assert = std.debug.assert;
const limits = @import("limits.zig");
const buffers = @import("buffers.zig");
const wire = @import("wire.zig");
const os = @import("os.zig");
const CycleDetector = @import("cycle.zig").CycleDetector;
const CodeCache = @import("CodeCache.zig");
const pthread_tid = @import("pthread_tid.zig");
const FrameCache = @import("FrameCache.zig");
const Options = @import("Options.zig");
const Output = @import("Output.zig");
const PyOffsets = @import("py_offsets.zig").PyOffsets;
const RemoteMemory = @import("RemoteMemory.zig");
const word = RemoteMemory.wordAt;
const Target = @import("locate.zig").Target;
const TaskStates = @import("TaskStates.zig");
const ThreadNames = @import("ThreadNames.zig");
const Stopper = @import("Stopper.zig");
const Priority = @import("Priority.zig");
const Locals = @import("Locals.zig");

const Sampler = @This();

/// Set by the SIGINT/SIGTERM handler installed in `main.zig`.
pub var stop_signal: std.atomic.Value(bool) = .init(false);

pub const Error = Output.Error;

options: Options,
target: *const Target,
offsets: *const PyOffsets,
memory: RemoteMemory,
/// `/proc/PID/stat`, kept open to notice the target's exit.
stat_fd: os.Fd,
out: *Output,
frame_cache: FrameCache,
code_cache: CodeCache,
/// `ob_type` of code objects, learnt from the first object whose type is named "code".
code_type: ?u64 = null,
/// Without --all-threads: the main interpreter and its main thread, re-read only every
/// `limits.roots_refresh_interval_ns` or after a failed read, since they live as long as the
/// interpreter does. This keeps a tick to two system calls.
main_roots: ?MainRoots = null,
/// With --all-threads: the first interpreter's address, re-read as `main_roots` are.
interpreters_head: ?struct { address: u64, expires_ns: u64 } = null,
/// With --all-threads: the first interpreter's thread list as the previous tick found it. Its
/// head is sampled at once, with the interpreter's fields read in the same system call
/// (`probe`); only if the list changed is that sample dropped and the list walked afresh.
first_threads: ?struct { head: u64, main: u64 } = null,
/// Set while the next `readThreadState` must also read these interpreter fields.
probe: ?InterpreterProbe = null,
/// Each thread's leaf frame page at its previous sample, read together with its thread state.
leaf_pages: []LeafPage,
/// Ticks so far, for evicting the `leaf_pages` slot of the thread sampled longest ago.
ticks: u64 = 0,
/// The slot of the thread being walked.
current_slot: ?*LeafPage = null,
/// `--cpu-state`: each sampled thread's OS state.
task_states: TaskStates,
/// Each sampled thread's OS name, sent when it changes.
thread_names: ThreadNames,
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

/// The stack being built: executable, instruction pointer and frame address per reported
/// frame, leaf first.
executables: []u64,
instr_ptrs: []u64,
frame_addresses: []u64,
/// `--locals`: reads each frame's locals after its sample.
locals: ?Locals = null,
/// The sample's `code_id, instr_index` pairs, plus the truncation marker.
frame_ints: []u32,
/// Distinct code objects of the current stack and their headers.
distinct: DistinctCodes,
/// Frames of the stack last resolved (`resolveCodes`): `distinct` and `headers` describe them.
distinct_depth: usize = 0,
headers: []u8,
/// Scratch for reading code headers and a thread state: preallocated, since a safe build fills
/// every `undefined` local with 0xaa on each call.
header_segments: []RemoteMemory.Segment,
thread_segments: []RemoteMemory.Segment,
thread_bytes: []u8,
/// Code headers read with the thread state (the thread's `LeafPage.codes`): `prefetched_count`
/// of them arrived, in the order of `prefetched_codes`.
prefetched_codes: [limits.hot_codes_max]u64 = @splat(0),
prefetched_headers: []u8,
prefetched_count: usize = 0,
/// 3.14+: the interpreter's code generation as the current walk's thread state read found it
/// (null when headers are always compared: older versions, `--locals`).
walk_generation: ?CodeCache.Generation = null,

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
        // Frame objects (before 3.11) are scattered on the heap: the pages below one hold no callers.
        .frame_cache = .init(try buffers.create([limits.frame_cache_pages][limits.page_bytes]u8), if (target.offsets.frame.refcount != null) 1 else limits.frame_read_ahead_pages),
        .code_cache = try .init(gpa),
        .executables = try gpa.alloc(u64, limits.stack_depth_max),
        .instr_ptrs = try gpa.alloc(u64, limits.stack_depth_max),
        .frame_addresses = try gpa.alloc(u64, limits.stack_depth_max),
        .leaf_pages = leafPages: {
            const slots = try gpa.alloc(LeafPage, limits.leaf_page_slots);
            @memset(slots, .{ .tstate = 0 });
            break :leafPages slots;
        },
        .locals = if (options.locals) try Locals.init(gpa, memory, &target.offsets) else null,
        .frame_ints = try gpa.alloc(u32, 2 * (limits.stack_depth_max + 1)),
        .distinct = try .init(gpa),
        .headers = try buffers.alloc(u8, limits.stack_depth_max * target.offsets.code.size),
        .header_segments = try gpa.alloc(RemoteMemory.Segment, limits.iovecs_max),
        .thread_bytes = try gpa.alloc(u8, limits.thread_state_bytes_max),
        // Interpreter words (4), thread state (1), interpreter probe (4), pages, headers, a tid.
        .thread_segments = try gpa.alloc(RemoteMemory.Segment, 4 + 1 + 4 + limits.hot_frame_pages + limits.hot_codes_max + 1),
        .prefetched_headers = try gpa.alloc(u8, limits.hot_codes_max * target.offsets.code.size),
    };
}

pub fn run(s: *Sampler) Error!wire.StopReason {
    const interval_ns = s.options.intervalNs();
    const start_ns = monotonicNs();
    try s.writeHello(start_ns, interval_ns);

    const end_ns: ?u64 = if (s.options.duration_ms == 0) null else start_ns + s.options.duration_ms * std.time.ns_per_ms;
    var next_stats_ns = start_ns + limits.stats_interval_ns;
    var next_liveness_ns = start_ns + limits.liveness_interval_ns;
    var next_stdin_ns = start_ns;
    var deadline_ns = start_ns;
    // At least one tick is taken, however short the duration (`tachyon dump` asks for 1 ms).
    var ticked = false;

    const reason: wire.StopReason = while (true) {
        const now_ns = monotonicNs();
        if (stop_signal.load(.monotonic)) break .stop_requested;
        if (ticked and end_ns != null and now_ns >= end_ns.?) break .duration_elapsed;
        if (s.options.stop_on_stdin_eof and now_ns >= next_stdin_ns) {
            if (os.files.stdinClosed()) break .stop_requested;
            next_stdin_ns = now_ns + limits.stdin_poll_interval_ns;
        }
        if (now_ns >= next_liveness_ns) {
            if (!os.procfs.isAlive(s.stat_fd)) break .target_exited;
            next_liveness_ns = now_ns + limits.liveness_interval_ns;
        }

        if (s.stopper) |stopper| stopper.stopAll();
        const result = s.tick(now_ns);
        if (s.stopper) |stopper| stopper.resumeAll();
        ticked = true;
        const outcome = try result;
        if (outcome == .target_gone and !os.procfs.isAlive(s.stat_fd)) break .target_exited;

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

fn writeHello(s: *Sampler, start_ns: u64, interval_ns: u64) Error!void {
    var flags: u32 = 0;
    if (s.target.debug_build) flags |= wire.HelloFlags.debug_build;
    if (s.priority) |priority| if (priority.realtime) {
        flags |= wire.HelloFlags.realtime;
    };
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

/// One pass over the sampled threads.
fn tick(s: *Sampler, now_ns: u64) Error!TickOutcome {
    s.ticks += 1;
    var tally: Tally = .{};
    s.sampleInterpreters(now_ns, &tally) catch |err| switch (err) {
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
    if (tally.failed > 0) s.stats.ticks_failed += 1;
    if (tally.sampled > 0) s.stats.ticks_taken += 1;
    return if (tally.failed > 0) .failed else if (tally.sampled > 0) .sampled else .nothing;
}

const Tally = struct { sampled: u32 = 0, failed: u32 = 0 };

const MainRoots = struct { interpreter: u64, tstate: u64, expires_ns: u64 };
const LeafPage = struct {
    tstate: u64,
    /// The tick this thread was last read in.
    last_tick: u64 = 0,
    /// The pages this thread's recent walks read frames from (data-stack pages, C-stack entry
    /// frames, frame objects before 3.11), each with the walk that last used it: read again in
    /// the same system call as the thread state, so that in steady state a walk finds every
    /// frame already fetched. A page unused for `limits.hot_page_walks` walks is dropped; when
    /// the set is full the least recently used page makes room. Before 3.11 frame objects are
    /// scattered on the heap and a fast leaf is freed within microseconds, so reading its page
    /// at once also saves re-reads. Only the part of a page the walks used since it became hot
    /// is read (`hot_lo`..`hot_hi`, widened by `limits.hot_part_margin_bytes`): fewer bytes of
    /// memory the target is writing on another CPU.
    hot: [limits.hot_frame_pages]u64 = @splat(0),
    hot_walk: [limits.hot_frame_pages]u32 = @splat(0),
    hot_lo: [limits.hot_frame_pages]u16 = @splat(0),
    hot_hi: [limits.hot_frame_pages]u16 = @splat(0),
    hot_count: u8 = 0,
    /// Walks of this thread so far (wrapping).
    walks: u32 = 0,
    /// The code objects of the recent walks, each with the walk that last used it: their headers
    /// are read in the same system call too, after the frame pages (so never older than the
    /// frames that name them). Like the pages, a code unused for `limits.hot_page_walks` walks
    /// is dropped, so that a program alternating between two phases (and stacks) finds the
    /// headers of both prefetched.
    codes: [limits.hot_codes_max]u64 = @splat(0),
    code_walk: [limits.hot_codes_max]u32 = @splat(0),
    code_count: u8 = 0,
    /// 3.8-3.10: the thread's `pthread_t` at its previous sample; its tid field is read in the
    /// same system call as the thread state.
    pthread: u64 = 0,
    /// 3.14+: the code generation at this thread's previous read, and whether it had moved since
    /// the read before: a program that keeps freeing code objects gets its headers prefetched.
    generation: u64 = 0,
    generation_moved: bool = true,
    /// The index of the page `addHot` saw last: consecutive frames mostly share a page.
    last_hot: u8 = 0,

    /// Starts a walk: forgets the pages no recent walk used.
    fn beginWalk(slot: *LeafPage) void {
        slot.walks +%= 1;
        var kept: u8 = 0;
        for (0..slot.hot_count) |i| {
            if (slot.walks -% slot.hot_walk[i] > limits.hot_page_walks) continue;
            slot.hot[kept] = slot.hot[i];
            slot.hot_walk[kept] = slot.hot_walk[i];
            slot.hot_lo[kept] = slot.hot_lo[i];
            slot.hot_hi[kept] = slot.hot_hi[i];
            kept += 1;
        }
        slot.hot_count = kept;
        slot.last_hot = 0;
        var codes_kept: u8 = 0;
        for (0..slot.code_count) |i| {
            if (slot.walks -% slot.code_walk[i] > limits.hot_page_walks) continue;
            slot.codes[codes_kept] = slot.codes[i];
            slot.code_walk[codes_kept] = slot.code_walk[i];
            codes_kept += 1;
        }
        slot.code_count = codes_kept;
    }

    /// Marks the code objects of this walk as recent.
    fn addCodes(slot: *LeafPage, codes: []const u64) void {
        for (codes) |code| {
            const claimed = claimRecent(&slot.codes, &slot.code_walk, &slot.code_count, code, slot.walks) orelse return;
            slot.code_walk[claimed.index] = slot.walks;
        }
    }

    /// Marks the `len` bytes at `address` (one or two pages) as used by this walk.
    fn addHotSpan(slot: *LeafPage, address: u64, len: u64) void {
        const page_bytes = limits.page_bytes;
        const from = address % page_bytes;
        slot.addHot(address - from, from, @min(page_bytes, from + len));
        if (from + len > page_bytes) slot.addHot(address - from +% page_bytes, 0, @min(page_bytes, from + len - page_bytes));
    }

    fn addHot(slot: *LeafPage, page: u64, from: u64, to: u64) void {
        // A torn read's small "address": no frame lives in the first page.
        if (page == 0) return;
        const index: usize = if (slot.last_hot < slot.hot_count and slot.hot[slot.last_hot] == page)
            slot.last_hot
        else claim: {
            const claimed = claimRecent(&slot.hot, &slot.hot_walk, &slot.hot_count, page, slot.walks) orelse return;
            if (claimed.new) {
                slot.hot_lo[claimed.index] = @intCast(from);
                slot.hot_hi[claimed.index] = @intCast(to);
            }
            break :claim claimed.index;
        };
        slot.hot_lo[index] = @min(slot.hot_lo[index], @as(u16, @intCast(from)));
        slot.hot_hi[index] = @max(slot.hot_hi[index], @as(u16, @intCast(to)));
        slot.hot_walk[index] = slot.walks;
        slot.last_hot = @intCast(index);
    }

    /// The index of `key` among `keys[0..count]`, else a slot for it: a free one, or the least
    /// recently used (by `used`, the walk that last used each), unless every key was used by
    /// walk `this_walk` (then null). A new key is stored; `new` says so.
    fn claimRecent(keys: []u64, used: []const u32, count: *u8, key: u64, this_walk: u32) ?struct { index: usize, new: bool } {
        if (std.mem.findScalar(u64, keys[0..count.*], key)) |found| return .{ .index = found, .new = false };
        const index: usize = if (count.* < keys.len) free: {
            count.* += 1;
            break :free count.* - 1;
        } else full: {
            const oldest = std.mem.indexOfMin(u32, used);
            if (used[oldest] == this_walk) return null;
            break :full oldest;
        };
        keys[index] = key;
        return .{ .index = index, .new = true };
    }

    /// The bytes of hot page `index` to read: its used part, widened by the margin (the stack
    /// grows upwards: deeper calls land just above the leaf).
    fn hotPart(slot: *const LeafPage, index: usize) struct { from: usize, to: usize } {
        const margin = limits.hot_part_margin_bytes;
        return .{
            .from = (slot.hot_lo[index] -| margin / 4) & ~@as(usize, 63),
            .to = @min(limits.page_bytes, std.mem.alignForward(usize, @as(usize, slot.hot_hi[index]) + margin, 64)),
        };
    }
};

fn sampleInterpreters(s: *Sampler, now_ns: u64, tally: *Tally) (RemoteMemory.Error || Output.Error)!void {
    if (!s.options.all_threads) return s.sampleMainThread(now_ns, tally);
    const o = s.offsets;
    // The first interpreter lives as long as the runtime: its address is re-read only every
    // `limits.roots_refresh_interval_ns`, or after a failed read.
    const head = if (s.interpreters_head) |cached| if (now_ns < cached.expires_ns) cached.address else null else null;
    var address = head orelse try s.memory.readValue(u64, s.target.runtime_address + o.runtime.interpreters_head);
    if (head == null) s.interpreters_head = .{ .address = address, .expires_ns = now_ns + limits.roots_refresh_interval_ns };
    errdefer s.interpreters_head = null;
    errdefer s.first_threads = null;
    for (0..limits.interpreters_max, 0..) |_, index| {
        if (address == 0) break;
        var interp: Interpreter = undefined;
        var tstate: u64 = 0;
        if (index == 0 and s.first_threads != null) {
            // The head the previous tick found, sampled with the interpreter read alongside.
            const predicted = s.first_threads.?;
            s.probe = .{ .address = address };
            defer s.probe = null;
            if (s.sampleThread(predicted.head, predicted.main, address, now_ns, tally)) |next| {
                interp = s.probe.?.interpreter(o.interpreter);
                tstate = next;
            } else |err| switch (err) {
                error.ListChanged => {
                    interp = s.probe.?.interpreter(o.interpreter);
                    tstate = interp.threads_head;
                },
                error.ProbeUnread => {
                    interp = try s.readInterpreter(address);
                    tstate = interp.threads_head;
                },
                else => |e| return e,
            }
        } else {
            interp = try s.readInterpreter(address);
            tstate = interp.threads_head;
        }
        if (index == 0) s.first_threads = .{ .head = interp.threads_head, .main = interp.threads_main };
        if (o.thread.id_is_pthread and !s.tid_offset_searched and interp.id == 0) {
            const main_thread = if (interp.threads_main != 0) interp.threads_main else try s.oldestThread(interp.threads_head);
            if (main_thread != 0) s.learnTidOffset(try s.memory.readValue(u64, main_thread +% o.thread.native_thread_id));
        }
        for (0..limits.threads_max) |_| {
            if (tstate == 0) break;
            // On 3.13 (no `threads.main`) the main thread is the oldest: the last in the list.
            tstate = s.sampleThread(tstate, interp.threads_main, address, now_ns, tally) catch |err| switch (err) {
                error.ListChanged, error.ProbeUnread => unreachable, // Only with `probe` set.
                else => |e| return e,
            };
        }
        address = interp.next;
    }
}

/// The default: only the main thread of the main interpreter (id 0).
fn sampleMainThread(s: *Sampler, now_ns: u64, tally: *Tally) (RemoteMemory.Error || Output.Error)!void {
    const roots = if (s.main_roots) |roots| if (now_ns < roots.expires_ns) roots else null else null;
    const current = roots orelse try s.findMainRoots(now_ns);
    if (current.tstate == 0) return;
    if (s.offsets.thread.id_is_pthread and !s.tid_offset_searched) {
        s.learnTidOffset(try s.memory.readValue(u64, current.tstate +% s.offsets.thread.native_thread_id));
    }
    const failed_before = tally.failed;
    _ = s.sampleThread(current.tstate, current.tstate, current.interpreter, now_ns, tally) catch |err| {
        s.main_roots = null;
        return switch (err) {
            error.ListChanged, error.ProbeUnread => unreachable, // Only with `probe` set.
            else => |e| e,
        };
    };
    // A failed walk may come from a stale thread address: look again next tick.
    if (tally.failed != failed_before) s.main_roots = null;
}

fn findMainRoots(s: *Sampler, now_ns: u64) RemoteMemory.Error!MainRoots {
    var address = try s.memory.readValue(u64, s.target.runtime_address + s.offsets.runtime.interpreters_head);
    const roots: MainRoots = for (0..limits.interpreters_max) |_| {
        if (address == 0) break .{ .interpreter = 0, .tstate = 0, .expires_ns = 0 };
        const interp = try s.readInterpreter(address);
        if (interp.id == 0) {
            const main_thread = if (interp.threads_main != 0) interp.threads_main else try s.oldestThread(interp.threads_head);
            break .{ .interpreter = address, .tstate = main_thread, .expires_ns = now_ns + limits.roots_refresh_interval_ns };
        }
        address = interp.next;
    } else .{ .interpreter = 0, .tstate = 0, .expires_ns = 0 };
    s.main_roots = if (roots.tstate != 0) roots else null;
    return roots;
}

/// 3.13 has no `threads.main`: new threads are pushed at the head, so the main thread is last.
fn oldestThread(s: *Sampler, head: u64) RemoteMemory.Error!u64 {
    var tstate = head;
    for (0..limits.threads_max) |_| {
        if (tstate == 0) return 0;
        const next = try s.memory.readValue(u64, tstate +% s.offsets.thread.next);
        if (next == 0) return tstate;
        tstate = next;
    }
    return 0;
}

const Interpreter = struct {
    id: i64,
    next: u64,
    threads_head: u64,
    /// 0 when the layout has no `threads.main` (3.13).
    threads_main: u64,
};

/// The fields of an interpreter state the walk needs, read into `values` by the segments that
/// `plan` makes (alone, or inside a thread state's read).
const InterpreterProbe = struct {
    address: u64,
    values: [4][8]u8 = @splat(@splat(0)),

    fn plan(p: *InterpreterProbe, o: anytype, segments: []RemoteMemory.Segment) usize {
        segments[0] = .{ .address = p.address +% o.id, .buffer = &p.values[0] };
        segments[1] = .{ .address = p.address +% o.next, .buffer = &p.values[1] };
        segments[2] = .{ .address = p.address +% o.threads_head, .buffer = &p.values[2] };
        segments[3] = .{ .address = p.address +% (o.threads_main orelse o.threads_head), .buffer = &p.values[3] };
        return if (o.threads_main != null) 4 else 3;
    }

    fn interpreter(p: *const InterpreterProbe, o: anytype) Interpreter {
        return .{
            .id = @bitCast(std.mem.readInt(u64, &p.values[0], .little)),
            .next = std.mem.readInt(u64, &p.values[1], .little),
            .threads_head = std.mem.readInt(u64, &p.values[2], .little),
            .threads_main = if (o.threads_main != null) std.mem.readInt(u64, &p.values[3], .little) else 0,
        };
    }
};

/// Reads the fields of one interpreter state the walk needs, in one system call.
fn readInterpreter(s: *Sampler, address: u64) RemoteMemory.Error!Interpreter {
    var probe: InterpreterProbe = .{ .address = address };
    var segments: [4]RemoteMemory.Segment = undefined;
    const count = probe.plan(s.offsets.interpreter, &segments);
    if (try s.memory.readSegments(segments[0..count]) != 8 * count) return error.Unmapped;
    return probe.interpreter(s.offsets.interpreter);
}

/// Why a speculative first sample (`first_threads`) was dropped before it was sent.
const ProbeError = error{
    /// The interpreter's thread list is not what the previous tick saw.
    ListChanged,
    /// The combined read failed; the list is read again on its own.
    ProbeUnread,
};

/// Samples one thread, re-reading it while its stack looks torn. Returns its `next` pointer.
fn sampleThread(s: *Sampler, tstate: u64, main_thread: u64, interpreter: u64, now_ns: u64, tally: *Tally) (RemoteMemory.Error || Output.Error || ProbeError)!u64 {
    var thread: ThreadState = undefined;
    var failure: wire.FailReason = .torn;
    var attempt: u32 = 0;
    // Re-reads after a frame object was freed under the walk (before 3.11): the stack was
    // not torn, just faster than one read, so they do not use up `--retries`.
    var rereads: u32 = 0;
    // `--cpu-state`: the OS state just after the thread state was read, and again after the
    // walk. The walk takes tens of microseconds; a thread that fell asleep or woke up meanwhile
    // (its stack then shows the call that sleeps) is not counted as on a CPU.
    var state_before: TaskStates.State = .unknown;
    const frame_count: usize = while (attempt <= s.options.retries) {
        if (attempt + rereads > 0) s.stats.retries += 1;
        const probing = s.probe != null and attempt + rereads == 0;
        thread = s.readThreadState(tstate, interpreter, probing) catch |err| switch (err) {
            error.Unmapped => {
                if (probing) return error.ProbeUnread;
                failure = .read_error;
                attempt += 1;
                continue;
            },
            else => |e| return e,
        };
        if (probing) {
            // `tstate` was the previous tick's head: sample it only if it still is.
            const fresh = s.probe.?.interpreter(s.offsets.interpreter);
            if (fresh.threads_head != tstate or fresh.threads_main != main_thread) return error.ListChanged;
        }
        if (s.options.cpu_state) state_before = s.task_states.state(thread.native_thread_id);
        if (s.walk(thread)) |count| {
            break count;
        } else |err| switch (err) {
            error.FrameFreed => {
                failure = .torn;
                if (rereads < limits.freed_frame_rereads_max) rereads += 1 else attempt += 1;
            },
            error.Torn => {
                failure = .torn;
                attempt += 1;
            },
            error.Unmapped => {
                failure = .read_error;
                attempt += 1;
            },
            error.ProcessGone, error.PermissionDenied, error.OutputClosed => |e| return e,
        }
    } else {
        tally.failed += 1;
        const encoder = try s.out.begin(now_ns, 40);
        encoder.writeSampleFailed(now_ns, if (attempt > 0) thread.native_thread_id else 0, failure);
        try s.out.end();
        return 0;
    };

    if (frame_count > 0) {
        var status: u32 = 0;
        // 3.13 has no `threads.main`: there the main thread is the oldest, the end of the list.
        const is_main = if (main_thread != 0) tstate == main_thread else thread.next == 0;
        if (is_main) status |= wire.ThreadStatus.main_thread;
        const has_gil = if (s.offsets.thread.holds_gil != null) thread.holds_gil else thread.gil_locked and thread.gil_holder == tstate;
        if (has_gil) status |= wire.ThreadStatus.has_gil;
        // The collector runs in the thread that holds the GIL.
        if (has_gil and thread.gc_collecting) status |= wire.ThreadStatus.gc_collecting;
        if (try s.hasException(tstate, thread)) status |= wire.ThreadStatus.has_exception;
        if (s.options.cpu_state) {
            switch (TaskStates.both(state_before, s.task_states.state(thread.native_thread_id))) {
                .on_cpu => status |= wire.ThreadStatus.on_cpu,
                .off_cpu => {},
                .unknown => status |= wire.ThreadStatus.cpu_unknown,
            }
        } else status |= wire.ThreadStatus.cpu_unknown;
        if (s.thread_names.changed(thread.native_thread_id, now_ns)) |name| {
            const named = try s.out.begin(now_ns, 48 + ThreadNames.name_bytes_max);
            named.writeThreadName(now_ns, thread.native_thread_id, name);
            try s.out.end();
        }
        const frames = s.frame_ints[0..frame_count];
        const encoder = try s.out.begin(now_ns, wire.sampleBytesMax(frames.len));
        encoder.writeSample(now_ns, thread.native_thread_id, status, frames);
        try s.out.end();
        tally.sampled += 1;
        if (s.locals != null) try s.writeLocals(now_ns, thread.native_thread_id, frame_count / 2);
    }
    return thread.next;
}

const ThreadState = struct {
    next: u64,
    current_frame: u64,
    /// 3.11/3.12: where the top frame's address was read (`_PyCFrame.current_frame`); else 0.
    cframe_field: u64,
    native_thread_id: u64,
    /// 3.15: where the frame chain must end; 0 before 3.15.
    base_frame: u64,
    holds_gil: bool,
    /// Before 3.15: the interpreter's GIL, read in the same system call as the thread.
    gil_locked: bool,
    gil_holder: u64,
    /// The interpreter's collector is running (read in the same system call).
    gc_collecting: bool,
    /// The top handled-exception item, and the embedded bottom item's fields.
    exc_info: u64,
    exc_state_value: u64,
    exc_state_previous: u64,
};

/// Whether the thread is handling an exception, as `sys.exc_info()` would say: the first item
/// of the handled-exception stack, from `exc_info` down, whose value is neither NULL nor `None`.
/// A running generator or coroutine pushes its own item, read here with one extra system call;
/// the thread's own item was read with the thread state.
fn hasException(s: *Sampler, tstate: u64, thread: ThreadState) (RemoteMemory.Error || Output.Error)!bool {
    const item_layout = s.offsets.exc_item;
    const embedded = tstate +% s.offsets.thread.exc_state;
    var item = thread.exc_info;
    for (0..limits.exception_stack_max) |_| {
        if (item == 0) return false;
        var value = thread.exc_state_value;
        var previous = thread.exc_state_previous;
        if (item != embedded) {
            // A torn read can leave any value here: only an aligned user-space address is followed.
            if (item % 8 != 0 or item >= limits.user_address_end) return false;
            var bytes: [32]u8 = undefined;
            const size: usize = @intCast(item_layout.previous + 8);
            s.memory.read(item, bytes[0..size]) catch |err| return if (err == error.Unmapped) false else err;
            value = word(&bytes, item_layout.value);
            previous = word(&bytes, item_layout.previous);
        }
        if (value != 0 and !try s.isNone(value)) return true;
        item = previous;
    }
    return false;
}

/// Whether `object` is `None`, learning None's address from its type's name the first time.
fn isNone(s: *Sampler, object: u64) RemoteMemory.Error!bool {
    if (object == s.none_object) return true;
    if (object == s.not_none_object or s.none_object != 0) return false;
    // Values come from memory the target may be changing: never do arithmetic on a wild pointer.
    if (object >= limits.user_address_end) return false;
    const ob_type = s.memory.readValue(u64, object +% s.offsets.object.ob_type) catch |err|
        return if (err == error.Unmapped) false else err;
    if (ob_type >= limits.user_address_end) return false;
    const name_address = s.memory.readValue(u64, ob_type +% s.offsets.type_object.tp_name) catch |err|
        return if (err == error.Unmapped) false else err;
    var name: [9]u8 = undefined;
    s.memory.read(name_address, &name) catch |err| return if (err == error.Unmapped) false else err;
    if (std.mem.eql(u8, &name, "NoneType\x00")) {
        s.none_object = object;
        return true;
    }
    s.not_none_object = object;
    return false;
}

/// 3.8-3.10: the kernel tid of the thread whose `pthread_t` is `pthread`. `predicted` is the tid
/// read in the thread state's system call from the `pthread_t` of the previous sample; it is
/// used when the `pthread_t` has not changed. Until the offset is known, and if a read fails,
/// the `pthread_t` itself is sent (docs/protocol.md).
fn tidOfPthread(s: *Sampler, pthread: u64, slot: *LeafPage, predicted: ?u32) u64 {
    defer slot.pthread = pthread;
    if (pthread == 0) return 0;
    if (pthread == slot.pthread) if (predicted) |tid| if (pthread_tid.plausibleTid(tid)) return tid;
    const at = s.tid_offset orelse return pthread;
    const tid = s.memory.readValue(u32, pthread +% at) catch return pthread;
    return if (pthread_tid.plausibleTid(tid)) tid else pthread;
}

/// 3.8-3.10: learns where the tid is in `struct pthread` from the main thread, once.
fn learnTidOffset(s: *Sampler, main_pthread: u64) void {
    if (s.tid_offset_searched or main_pthread == 0) return;
    s.tid_offset_searched = true;
    var bytes: [limits.pthread_scan_bytes]u8 = undefined;
    s.memory.read(main_pthread, &bytes) catch return;
    s.tid_offset = pthread_tid.findTidOffset(&bytes, @intCast(s.options.pid));
    const line = if (s.tid_offset != null) "tachyon-helper: kernel thread ids from struct pthread\n" else "tachyon-helper: no tid found in the main thread's struct pthread; thread ids are pthread_t values\n";
    os.files.writeStderr(line);
}

/// The `leaf_pages` slot of a thread state: its own, else a free one, else the one sampled
/// longest ago, among `limits.leaf_page_probes` slots from the address's hash. Thread states
/// are allocated at regular strides, which a plain modulo would fold onto a few slots.
fn leafPageOf(s: *Sampler, tstate: u64) *LeafPage {
    comptime assert(limits.leaf_page_slots == 1 << 8); // The hash below keeps 8 bits.
    const first: usize = @intCast((tstate *% 0x9e3779b97f4a7c15) >> 56);
    var victim = &s.leaf_pages[first % limits.leaf_page_slots];
    for (0..limits.leaf_page_probes) |i| {
        const slot = &s.leaf_pages[(first + i) % limits.leaf_page_slots];
        if (slot.tstate == tstate) {
            slot.last_tick = s.ticks;
            return slot;
        }
        if (slot.tstate == 0) {
            victim = slot;
            break;
        }
        if (slot.last_tick < victim.last_tick) victim = slot;
    }
    victim.* = .{ .tstate = tstate, .last_tick = s.ticks };
    return victim;
}

/// The interpreter words read with each thread state: the GIL's `locked` and holder (when the
/// thread state has no `holds_gil`), the collector's flag and (3.14+) the code generation,
/// which must be read before the thread state (`readThreadState`). Words of the same structure
/// within `span_bytes_max` of each other are read as one segment, which saves the kernel
/// pinning the same page once per word.
const InterpreterWords = struct {
    /// In reading order: the code generation first (see `readThreadState`).
    const Word = enum { code_generation, gil_locked, gil_holder, gc_collecting };
    const span_bytes_max = 512;
    addresses: [4]u64,
    sizes: [4]u8 = .{ 8, 4, 8, 4 },
    wanted: [4]bool,
    /// One span covering every wanted word, when they are close enough.
    span: [span_bytes_max]u8 = undefined,
    span_start: u64 = 0,
    span_used: bool = false,
    separate: [4][8]u8 = @splat(@splat(0)),

    fn init(gil: bool, gil_base: u64, gc_base: u64, interpreter: u64, o: anytype) InterpreterWords {
        return .{
            .addresses = .{ interpreter +% (o.code_generation orelse 0), gil_base +% o.gil_locked, gil_base +% o.gil_holder, gc_base +% o.gc_collecting },
            .wanted = .{ o.code_generation != null, gil, gil, true },
        };
    }

    fn plan(w: *InterpreterWords, segments: []RemoteMemory.Segment) usize {
        var low: u64 = std.math.maxInt(u64);
        var high: u64 = 0;
        for (w.addresses, w.sizes, w.wanted) |address, size, wanted| if (wanted) {
            low = @min(low, address);
            high = @max(high, address +% size);
        };
        if (high > low and high - low <= span_bytes_max) {
            w.span_used = true;
            w.span_start = low;
            @memset(w.span[0..@intCast(high - low)], 0);
            segments[0] = .{ .address = low, .buffer = w.span[0..@intCast(high - low)] };
            return 1;
        }
        var count: usize = 0;
        for (w.addresses, w.sizes, w.wanted, 0..) |address, size, wanted, i| if (wanted) {
            segments[count] = .{ .address = address, .buffer = w.separate[i][0..size] };
            count += 1;
        };
        return count;
    }

    fn value(w: *const InterpreterWords, comptime T: type, which: Word) T {
        const i = @intFromEnum(which);
        if (!w.wanted[i]) return 0;
        const bytes = if (w.span_used) w.span[@intCast(w.addresses[i] - w.span_start)..] else w.separate[i][0..];
        return std.mem.readInt(T, bytes[0..@sizeOf(T)], .little);
    }
};

/// Reads a thread state, its interpreter's GIL word and, in the same system call, the pages
/// around the thread's leaf frame as it was at its previous sample: in steady state a tick
/// needs this read and the batched read of code headers, nothing else. The frame cache starts
/// afresh here, so every walk sees one snapshot.
fn readThreadState(s: *Sampler, tstate: u64, interpreter: u64, probing: bool) RemoteMemory.Error!ThreadState {
    const t = s.offsets.thread;
    const o = s.offsets.interpreter;
    // The interpreter's words (GIL, collector, 3.14+ code generation), the thread state, the
    // predicted frame pages, code headers and (3.8-3.10) a tid. The kernel copies the segments
    // in order: the code generation comes before every frame, as `CodeCache.trusted` requires.
    const segments = s.thread_segments;
    // 3.8-3.11 have one GIL, in `_PyRuntime`; later versions one per interpreter. The words
    // are read as one span where they lie close together in the same structure.
    const gil_base = if (o.gil_in_runtime) s.target.runtime_address else interpreter;
    const gc_base = if (o.gc_in_runtime) s.target.runtime_address else interpreter;
    var words = InterpreterWords.init(t.holds_gil == null, gil_base, gc_base, interpreter, o);
    var count: usize = words.plan(segments);
    const bytes = s.thread_bytes;
    segments[count] = .{ .address = tstate, .buffer = bytes[0..@intCast(t.read_bytes)] };
    count += 1;
    if (probing) count += s.probe.?.plan(o, segments[count..]);
    var prefix_bytes: usize = 0;
    for (segments[0..count]) |segment| prefix_bytes += segment.buffer.len;

    s.frame_cache.reset();
    const slot = s.leafPageOf(tstate);
    const planned: usize = slot.hot_count;
    var pages_bytes: usize = 0;
    for (slot.hot[0..planned], 0..) |page, i| {
        const part = slot.hotPart(i);
        s.frame_cache.planPart(page, part.from, part.to, &segments[count + i]);
        pages_bytes += part.to - part.from;
    }
    // 3.14+: while the code generation holds still the headers are not needed (`resolveCodes`);
    // they are prefetched only for a thread that saw it move at its previous read.
    const code_size: usize = @intCast(s.offsets.code.size);
    const codes = if (s.trustsGeneration() and !slot.generation_moved) slot.codes[0..0] else slot.codes[0..slot.code_count];
    for (codes, 0..) |address, i| {
        s.prefetched_codes[i] = address;
        segments[count + planned + i] = .{ .address = address, .buffer = s.prefetched_headers[i * code_size ..][0..code_size] };
    }
    // 3.8-3.10: the tid of the thread's `pthread_t` as it was last time, read last so that a
    // thread that has ended cannot spoil the pages before it.
    var tid_bytes: [4]u8 = @splat(0);
    var tid_segment: usize = 0;
    if (t.id_is_pthread and slot.pthread != 0) if (s.tid_offset) |at| {
        tid_segment = 1;
        segments[count + planned + codes.len] = .{ .address = slot.pthread +% at, .buffer = &tid_bytes };
    };
    s.prefetched_count = 0;
    const read = try s.memory.readSegments(segments[0 .. count + planned + codes.len + tid_segment]);
    if (read < prefix_bytes) return error.Unmapped;
    _ = s.frame_cache.commit(segments[count .. count + planned], read - prefix_bytes);
    if (read >= prefix_bytes + pages_bytes) s.prefetched_count = @min(codes.len, (read - prefix_bytes - pages_bytes) / code_size);
    const tid_read = tid_segment == 1 and read == prefix_bytes + pages_bytes + codes.len * code_size + 4;

    // 3.11/3.12: the thread state points to a `_PyCFrame` (on the C stack), which points to
    // the top frame; its page is among the hot pages, so this usually costs no read.
    const top = word(bytes, t.current_frame);
    const cframe_field: u64 = if (t.cframe_current_frame) |at| (if (top == 0) 0 else top +% at) else 0;
    const current_frame = if (t.cframe_current_frame == null)
        top
    else if (cframe_field == 0)
        0
    else
        word(try s.frame_cache.view(s.memory, cframe_field, 8, false), 0);
    const thread_id = word(bytes, t.native_thread_id);
    const state: ThreadState = .{
        .next = word(bytes, t.next),
        .current_frame = current_frame,
        .cframe_field = cframe_field,
        .native_thread_id = if (t.id_is_pthread) s.tidOfPthread(thread_id, slot, if (tid_read) std.mem.readInt(u32, &tid_bytes, .little) else null) else thread_id,
        .base_frame = if (t.base_frame) |at| word(bytes, at) else 0,
        .holds_gil = if (t.holds_gil) |at| std.mem.readInt(i32, bytes[@intCast(at)..][0..4], .little) != 0 else false,
        .gil_locked = words.value(u32, .gil_locked) != 0,
        .gil_holder = words.value(u64, .gil_holder),
        .gc_collecting = words.value(u32, .gc_collecting) != 0,
        .exc_info = word(bytes, t.exc_info),
        .exc_state_value = word(bytes, t.exc_state + s.offsets.exc_item.value),
        .exc_state_previous = word(bytes, t.exc_state + s.offsets.exc_item.previous),
    };
    s.current_slot = slot;
    s.walk_generation = null;
    if (s.trustsGeneration()) {
        const value = words.value(u64, .code_generation);
        slot.generation_moved = value != slot.generation;
        slot.generation = value;
        s.walk_generation = .{ .interpreter = interpreter, .value = value };
    }
    return state;
}

/// `_PyInterpreterFrame.owner` of a generator's or coroutine's frame, 3.11-3.15.
const frame_owner_generator: u8 = 1;

const WalkError = error{
    Torn,
    /// Before 3.11: a frame object reached by the walk had been freed (see `walk`).
    FrameFreed,
} || RemoteMemory.Error || Output.Error;

/// Walks one snapshot of a thread's stack into `frame_ints`; returns the number of ints.
fn walk(s: *Sampler, thread: ThreadState) WalkError!usize {
    const f = s.offsets.frame;

    var depth: usize = 0;
    var truncated = false;
    var last_frame: u64 = 0;
    var detector: CycleDetector = .{};
    var seen_live = false;
    var last_owner: u8 = 0;
    const hot_slot: ?*LeafPage = s.current_slot;
    if (hot_slot) |slot| {
        slot.beginWalk();
        if (thread.cframe_field != 0) slot.addHotSpan(thread.cframe_field, 8);
    }
    var frame = thread.current_frame;
    for (0..limits.frame_chain_max) |_| {
        if (frame == 0) break;
        // 3.15: the thread's sentinel ends every complete chain and holds no Python frame, so
        // it is not read (its page would be one more per tick).
        if (frame == thread.base_frame) {
            last_frame = frame;
            break;
        }
        if (frame % 8 != 0 or detector.step(frame)) return error.Torn;
        if (hot_slot) |slot| {
            slot.addHotSpan(frame, f.read_bytes);
        }
        // A caller just below its callee: the walk is going down a data-stack chunk, whose
        // next pages hold the callers too. A jump elsewhere (a C-stack entry frame, 3.15's
        // sentinel in the thread state, a heap frame object) needs that one page.
        const running_down = last_frame == 0 or (frame < last_frame and last_frame - frame <= 2 * limits.page_bytes);
        const bytes = try s.frame_cache.view(s.memory, frame, @intCast(f.read_bytes), running_down);
        // Before 3.11 a frame is an object, and one with no references has returned and been
        // freed since the thread state was read. A fast leaf does that within the time of one
        // read, so freed frames at the leaf end are left out (like a leaf in transition below):
        // a zombie frame still points to its caller, a free-list frame to other freed frames.
        // A freed frame below a live one, or a chain of only freed frames, cannot be walked:
        // the stack is re-read (`FrameFreed`, which does not use up `--retries`).
        if (f.refcount) |at| {
            if (word(bytes, at) == 0) {
                if (seen_live) return error.FrameFreed;
                last_frame = frame;
                frame = word(bytes, f.previous);
                continue;
            }
            seen_live = true;
        }
        // Before 3.11 there is no owner: every frame object is a Python function's.
        const owner = if (f.owner) |at| bytes[@intCast(at)] else 0;
        if (owner > 4) return error.Torn;
        last_owner = owner;
        if (owner < s.offsets.frame_owner_internal_min) {
            if (depth == limits.stack_depth_max) {
                truncated = true;
                break;
            }
            const executable = word(bytes, f.executable) & ~s.offsets.executable_tag_mask;
            // A leaf whose executable is NULL is being pushed or has just been popped (3.14+
            // clears it on return): at this instant the stack is its callers, so it is left
            // out. Anywhere else a NULL executable is a torn read, caught in `resolveCodes`.
            const leaf_in_transition = executable == 0 and depth == 0;
            if (!leaf_in_transition) {
                s.executables[depth] = executable;
                s.frame_addresses[depth] = frame;
                s.instr_ptrs[depth] = switch (f.instr_kind) {
                    .pointer, .prev_pointer => word(bytes, f.instr_ptr),
                    // `f_lasti`, sign-extended so that -1 (not started) stays recognisable.
                    .lasti_bytes, .lasti_units => @bitCast(@as(i64, std.mem.readInt(i32, bytes[@intCast(f.instr_ptr)..][0..4], .little))),
                };
                depth += 1;
                // 3.11: this frame was called from C; its caller's frames are below `<native>`.
                if (f.is_entry) |at| if (s.options.native and bytes[@intCast(at)] != 0 and depth < limits.stack_depth_max) {
                    s.executables[depth] = native_marker;
                    s.instr_ptrs[depth] = 0;
                    depth += 1;
                };
            }
        } else if (s.options.native and depth > 0 and depth < limits.stack_depth_max and s.executables[depth - 1] != native_marker) {
            // C called into Python here (an entry or C-stack shim frame, 3.12+): `<native>`,
            // below the frames it called. Never a leaf (the 3.15 sentinel, no call, ended the
            // walk above).
            s.executables[depth] = native_marker;
            s.instr_ptrs[depth] = 0;
            depth += 1;
        }
        last_frame = frame;
        frame = word(bytes, f.previous);
    } else return error.Torn; // Longer than any real chain: a loop the detector has not closed yet.

    if (f.refcount != null and last_frame != 0 and !seen_live) return error.FrameFreed;
    // 3.15: a complete chain ends at the thread's sentinel frame; 3.12-3.14 at the entry frame
    // the interpreter pushed when C first called into Python. A chain that stops at a Python
    // frame instead lost the link to its caller during the read: a coroutine or generator that
    // yielded (which clears its frame's `previous`) after the thread state was read. Reported,
    // that would be a stack cut short; it is re-read instead. 3.11 has no entry frames, but a
    // generator's frame (owner 1) is never a thread's first: something resumed it. (Only a
    // thread whose target is a C function resuming a generator directly would have one, and
    // its samples would count as failed.) Before 3.11 this tear is not detected.
    if (!truncated and last_frame != 0) {
        if (s.offsets.thread.base_frame != null) {
            if (last_frame != thread.base_frame) return error.Torn;
        } else if (f.owner != null) {
            const generator_owned = last_owner == frame_owner_generator;
            const entry = last_owner >= s.offsets.frame_owner_internal_min;
            if (generator_owned or (s.offsets.minor() >= 12 and !entry)) return error.Torn;
        }
    }
    try s.resolveCodes(depth);
    var ints = 2 * depth;
    if (truncated) {
        s.frame_ints[ints] = 0;
        s.frame_ints[ints + 1] = 0;
        ints += 2;
    }
    return ints;
}

/// `--locals`: a `frame_locals` message for each Python frame of the stack just walked (its
/// code headers are still in `headers`). The truncation marker has no frame behind it.
fn writeLocals(s: *Sampler, now_ns: u64, thread_id: u64, frames: usize) (Output.Error || error{ProcessGone})!void {
    const locals = &(s.locals orelse return);
    const code_size: usize = @intCast(s.offsets.code.size);
    for (0..frames) |level| {
        if (level >= s.distinct_depth) break;
        const executable = s.executables[level];
        if (executable == native_marker) continue;
        const header = s.headers[s.distinct.indexOf(executable) * code_size ..][0..code_size];
        try locals.write(s.out, now_ns, thread_id, @intCast(level), s.frame_addresses[level], header);
    }
}

/// The executable recorded for a `<native>` frame (`--native`): odd, so never an object.
const native_marker: u64 = 1;

/// Whether code headers may be skipped while the code generation holds still (3.14+; not with
/// `--locals`, which reads the names in the headers).
fn trustsGeneration(s: *const Sampler) bool {
    return s.offsets.interpreter.code_generation != null and s.locals == null;
}

/// Turns the stack's executables into code ids and its instruction pointers into indexes,
/// reading the distinct code headers not trusted (`CodeCache.trusted`) in one batch.
fn resolveCodes(s: *Sampler, depth: usize) WalkError!void {
    s.distinct_depth = depth;
    const code_size: usize = @intCast(s.offsets.code.size);
    s.distinct.clear();
    for (s.executables[0..depth]) |executable| {
        if (executable == native_marker) continue;
        if (executable == 0 or executable % 8 != 0) return error.Torn;
        _ = s.distinct.indexOf(executable);
    }
    const codes = s.distinct.addresses();
    // An id of 0 (ids start at 1) marks a code whose header must be read and compared.
    for (codes, 0..) |address, i| {
        const known: ?CodeCache.Known = if (s.walk_generation) |generation| s.code_cache.trusted(address, generation) else null;
        s.distinct.ids[i] = if (known) |k| k.code_id else 0;
        s.distinct.size_units[i] = if (known) |k| k.size_units else 0;
    }
    try s.readHeaders(codes, s.distinct.ids[0..codes.len], code_size);
    if (s.current_slot) |slot| slot.addCodes(codes);

    for (codes, 0..) |address, i| {
        if (s.distinct.ids[i] != 0) continue;
        const header = s.headers[i * code_size ..][0..code_size];
        if (!try s.isCode(word(header, s.offsets.object.ob_type))) return error.Torn;
        const known = try s.code_cache.idFor(s.memory, s.offsets, address, header, s.walk_generation, s.out, monotonicNs());
        s.distinct.ids[i] = known.code_id;
        s.distinct.size_units[i] = known.size_units;
    }
    for (0..depth) |level| {
        if (s.executables[level] == native_marker) {
            s.frame_ints[2 * level] = 0;
            s.frame_ints[2 * level + 1] = wire.native_instr_index;
            continue;
        }
        const i = s.distinct.indexOf(s.executables[level]);
        const index = try instrIndex(s.offsets, s.executables[level], s.instr_ptrs[level]);
        if (index > s.distinct.size_units[i]) return error.Torn;
        s.frame_ints[2 * level] = s.distinct.ids[i];
        s.frame_ints[2 * level + 1] = @intCast(index);
    }
}

/// The position, in code units from the start of the bytecode, of a frame's instruction.
/// 3.8/3.9 `f_lasti` counts bytes, 3.10 `f_lasti` code units; before the first instruction
/// (`f_lasti` -1, or 3.11/3.12 `prev_instr` one unit before the bytecode) it is 0. From 3.11 it
/// is the distance of the instruction pointer from `co_code_adaptive` (unwinding.md 4.4).
fn instrIndex(offsets: *const PyOffsets, code: u64, instr: u64) error{Torn}!u64 {
    switch (offsets.frame.instr_kind) {
        .pointer, .prev_pointer => {
            const bytecode = code + offsets.code.co_code_adaptive;
            if (offsets.frame.instr_kind == .prev_pointer and instr +% 2 == bytecode) return 0;
            if (instr < bytecode or (instr - bytecode) % 2 != 0) return error.Torn;
            return (instr - bytecode) / 2;
        },
        .lasti_bytes, .lasti_units => {
            const lasti: i64 = @bitCast(instr);
            if (lasti < 0) return if (lasti == -1) 0 else error.Torn;
            if (offsets.frame.instr_kind == .lasti_units) return @intCast(lasti);
            if (@mod(lasti, 2) != 0) return error.Torn;
            return @intCast(@divExact(lasti, 2));
        },
    }
}

/// Reads `code_size` bytes at each address whose id is still 0 into `headers`: those read with
/// the thread state are copied, the rest read in batches of `limits.iovecs_max`.
fn readHeaders(s: *Sampler, codes: []const u64, ids: []const u32, code_size: usize) RemoteMemory.Error!void {
    const segments = s.header_segments;
    const prefetched = s.prefetched_codes[0..s.prefetched_count];
    var pending: usize = 0;
    for (codes, ids, 0..) |address, id, i| {
        if (id != 0) continue;
        const buffer = s.headers[i * code_size ..][0..code_size];
        if (std.mem.findScalar(u64, prefetched, address)) |p| {
            @memcpy(buffer, s.prefetched_headers[p * code_size ..][0..code_size]);
            continue;
        }
        segments[pending] = .{ .address = address, .buffer = buffer };
        pending += 1;
        if (pending == segments.len) {
            try s.readPending(segments[0..pending], code_size);
            pending = 0;
        }
    }
    if (pending > 0) try s.readPending(segments[0..pending], code_size);
}

/// One batch of `readHeaders`; after a short read the rest is read one by one, so that one bad
/// address fails alone.
fn readPending(s: *Sampler, segments: []const RemoteMemory.Segment, code_size: usize) RemoteMemory.Error!void {
    const read = try s.memory.readSegments(segments);
    for (segments[read / code_size ..]) |segment| try s.memory.read(segment.address, segment.buffer);
}

/// Whether `ob_type` is the code type, learning its address from the first type named "code".
fn isCode(s: *Sampler, ob_type: u64) RemoteMemory.Error!bool {
    if (s.code_type) |code_type| return ob_type == code_type;
    const name_address = s.memory.readValue(u64, ob_type +% s.offsets.type_object.tp_name) catch |err|
        return if (err == error.Unmapped) false else err;
    var name: [5]u8 = undefined;
    s.memory.read(name_address, &name) catch |err| return if (err == error.Unmapped) false else err;
    if (!std.mem.eql(u8, &name, "code\x00")) return false;
    s.code_type = ob_type;
    return true;
}

/// The distinct code addresses of one stack, in first-seen order, with an index from address
/// to position. Open addressing with generation stamps, so clearing is O(1).
const DistinctCodes = struct {
    const slot_count = 2 * limits.stack_depth_max;
    slot_keys: []u64,
    slot_generations: []u32,
    slot_indexes: []u16,
    generation: u32 = 0,
    list: []u64,
    ids: []u32,
    size_units: []u64,
    count: usize = 0,

    fn init(gpa: std.mem.Allocator) std.mem.Allocator.Error!DistinctCodes {
        const generations = try gpa.alloc(u32, slot_count);
        @memset(generations, 0);
        return .{
            .slot_keys = try gpa.alloc(u64, slot_count),
            .slot_generations = generations,
            .slot_indexes = try gpa.alloc(u16, slot_count),
            .list = try gpa.alloc(u64, limits.stack_depth_max),
            .ids = try gpa.alloc(u32, limits.stack_depth_max),
            .size_units = try gpa.alloc(u64, limits.stack_depth_max),
        };
    }

    fn clear(set: *DistinctCodes) void {
        set.generation +%= 1;
        if (set.generation == 0) {
            @memset(set.slot_generations, 0);
            set.generation = 1;
        }
        set.count = 0;
    }

    /// Position of `address`, adding it if new. At most `stack_depth_max` addresses per clear.
    fn indexOf(set: *DistinctCodes, address: u64) usize {
        var slot: usize = @intCast((address >> 4) *% 0x9e3779b97f4a7c15 >> 51);
        // The table is at most half full, so a free slot or the key is always found.
        while (true) : (slot = (slot + 1) % slot_count) {
            if (set.slot_generations[slot] != set.generation) {
                assert(set.count < set.list.len);
                set.slot_generations[slot] = set.generation;
                set.slot_keys[slot] = address;
                set.slot_indexes[slot] = @intCast(set.count);
                set.list[set.count] = address;
                set.count += 1;
                return set.count - 1;
            }
            if (set.slot_keys[slot] == address) return set.slot_indexes[slot];
        }
    }

    fn addresses(set: *const DistinctCodes) []const u64 {
        return set.list[0..set.count];
    }

    comptime {
        assert(slot_count == 1 << 13); // `indexOf` hashes to 13 bits.
    }
};


fn warnLeftRealtime() void {
    const line = std.fmt.comptimePrint("tachyon-helper: left real-time scheduling: sampling used more than {d}% of a CPU\n", .{limits.realtime_cpu_percent_max});
    os.files.writeStderr(line);
}

const monotonicNs = os.clock.monotonicNs;
const realtimeNs = os.clock.realtimeNs;
const sleepUntil = os.clock.sleepUntil;

test "distinct codes keep first-seen order" {
    var arena = std.heap.ArenaAllocator.init(std.testing.allocator);
    defer arena.deinit();
    var set = try DistinctCodes.init(arena.allocator());
    set.clear();
    try std.testing.expectEqual(@as(usize, 0), set.indexOf(0x7000));
    try std.testing.expectEqual(@as(usize, 1), set.indexOf(0x8000));
    try std.testing.expectEqual(@as(usize, 0), set.indexOf(0x7000));
    try std.testing.expectEqualSlices(u64, &.{ 0x7000, 0x8000 }, set.addresses());
    set.clear();
    try std.testing.expectEqual(@as(usize, 0), set.indexOf(0x8000));
}

test "instruction indexes per version family" {
    const layout = @import("py_offsets.zig");
    const v3_8 = try layout.fromBuiltin(layout.builtinFor(8).?, 0x03080000);
    try std.testing.expectEqual(@as(u64, 21), try instrIndex(&v3_8, 0x1000, 42));
    try std.testing.expectEqual(@as(u64, 0), try instrIndex(&v3_8, 0x1000, @bitCast(@as(i64, -1))));
    try std.testing.expectError(error.Torn, instrIndex(&v3_8, 0x1000, 43));
    try std.testing.expectError(error.Torn, instrIndex(&v3_8, 0x1000, @bitCast(@as(i64, -7))));
    const v3_10 = try layout.fromBuiltin(layout.builtinFor(10).?, 0x030a0000);
    try std.testing.expectEqual(@as(u64, 21), try instrIndex(&v3_10, 0x1000, 21));
    const v3_12 = try layout.fromBuiltin(layout.builtinFor(12).?, 0x030c01f0);
    try std.testing.expectEqual(@as(u64, 3), try instrIndex(&v3_12, 0x1000, 0x1000 + 192 + 6));
    try std.testing.expectEqual(@as(u64, 0), try instrIndex(&v3_12, 0x1000, 0x1000 + 190));
    try std.testing.expectError(error.Torn, instrIndex(&v3_12, 0x1000, 0x1000 + 188));
    try std.testing.expectError(error.Torn, instrIndex(&v3_12, 0x1000, 0x1000 + 193));
}
