//! The thread-state read: one system call per thread that brings in its thread state, its
//! interpreter's words (GIL, collector, 3.14+ code generation), the pages its recent walks read
//! frames from and the headers of their code objects, and (3.8-3.10) its kernel tid; in steady
//! state a walk then finds every frame already fetched. Each thread's read hints live in a
//! `LeafPage` slot, in a small table indexed by thread-state address.

const std = @import("std");
const assert = std.debug.assert;
const limits = @import("limits.zig");
const memory_interface = @import("memory.zig");
const word = memory_interface.wordAt;
const LeafPage = @import("LeafPage.zig");
const Sampler = @import("Sampler.zig");
const StackWalk = @import("StackWalk.zig");
const thread_status = @import("thread_status.zig");

pub const ThreadState = struct {
    next: u64,
    current_frame: u64,
    /// 3.11/3.12: where the top frame's address was read (`_PyCFrame.current_frame`); else 0.
    cframe_field: u64,
    /// The kernel thread id in the namespace of the `/proc` the helper reads (`hello.pid`'s).
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

    /// Where the stack walk starts and ends.
    pub fn frames(thread: ThreadState) StackWalk.Start {
        return .{ .current_frame = thread.current_frame, .cframe_field = thread.cframe_field, .base_frame = thread.base_frame };
    }
};

/// The `leaf_pages` slot of a thread state: its own, else a free one, else the one sampled
/// longest ago, among `limits.leaf_page_probes` slots from the address's hash. Thread states
/// are allocated at regular strides, which a plain modulo would fold onto a few slots.
pub fn leafPageOf(s: *Sampler, tstate: u64) *LeafPage {
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
pub const InterpreterWords = struct {
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

    fn plan(w: *InterpreterWords, segments: []memory_interface.Segment) usize {
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

/// The segments of one thread's read, in the kernel's copying order: interpreter words, thread
/// state, interpreter probe (`prefix`), then the predicted frame pages, code headers and tid.
const ReadPlan = struct {
    /// Segments and bytes before the predicted pages.
    prefix_count: usize,
    prefix_bytes: usize = 0,
    pages: usize = 0,
    pages_bytes: usize = 0,
    codes: usize = 0,
    tid_segment: usize = 0,
    tid_bytes: [4]u8 = @splat(0),

    fn count(plan: *const ReadPlan) usize {
        return plan.prefix_count + plan.pages + plan.codes + plan.tid_segment;
    }
};

/// Reads a thread state, its interpreter's GIL word and, in the same system call, the pages
/// around the thread's leaf frame as it was at its previous sample: in steady state a tick
/// needs this read and the batched read of code headers, nothing else. The frame cache starts
/// afresh here, so every walk sees one snapshot.
pub fn readThreadState(s: *Sampler, tstate: u64, interpreter: u64, probing: bool) memory_interface.Error!ThreadState {
    const t = s.offsets.thread;
    const o = s.offsets.interpreter;
    const w = &s.walker;
    // 3.8-3.11 have one GIL, in `_PyRuntime`; later versions one per interpreter. The words
    // are read as one span where they lie close together in the same structure.
    const gil_base = if (o.gil_in_runtime) s.target.runtime_address else interpreter;
    const gc_base = if (o.gc_in_runtime) s.target.runtime_address else interpreter;
    var words = InterpreterWords.init(t.holds_gil == null, gil_base, gc_base, interpreter, o);
    var plan = planPrefix(s, &words, tstate, probing);

    w.frame_cache.reset();
    const slot = leafPageOf(s, tstate);
    planPredicted(s, slot, &plan);
    w.prefetched_count = 0;
    const segments = s.thread_segments;
    const read = try w.memory.readSegments(segments[0..plan.count()]);
    if (read < plan.prefix_bytes) return error.Unmapped;
    _ = w.frame_cache.commit(segments[plan.prefix_count .. plan.prefix_count + plan.pages], read - plan.prefix_bytes);
    if (read >= plan.prefix_bytes + plan.pages_bytes) w.prefetched_count = @min(plan.codes, (read - plan.prefix_bytes - plan.pages_bytes) / s.offsets.code.size);
    const tid_read = plan.tid_segment == 1 and read == plan.prefix_bytes + plan.pages_bytes + plan.codes * s.offsets.code.size + 4;
    const predicted_tid: ?u32 = if (tid_read) std.mem.readInt(u32, &plan.tid_bytes, .little) else null;

    const state = try decode(s, &words, slot, predicted_tid);
    w.slot = slot;
    w.generation = null;
    if (w.trusts_generation) {
        const value = words.value(u64, .code_generation);
        slot.generation_moved = value != slot.generation;
        slot.generation = value;
        w.generation = .{ .interpreter = interpreter, .value = value };
    }
    return state;
}

/// Plans the interpreter words, the thread state and (when `probing`) the interpreter probe.
fn planPrefix(s: *Sampler, words: *InterpreterWords, tstate: u64, probing: bool) ReadPlan {
    const segments = s.thread_segments;
    var count: usize = words.plan(segments);
    segments[count] = .{ .address = tstate, .buffer = s.thread_bytes[0..@intCast(s.offsets.thread.read_bytes)] };
    count += 1;
    if (probing) count += s.probe.?.plan(s.offsets.interpreter, segments[count..]);
    var plan: ReadPlan = .{ .prefix_count = count };
    for (segments[0..count]) |segment| plan.prefix_bytes += segment.buffer.len;
    return plan;
}

/// Plans the thread's hot frame pages, its recent code headers and (3.8-3.10) its tid. The
/// kernel copies the segments in order: the code generation comes before every frame, as
/// `CodeCache.trusted` requires.
fn planPredicted(s: *Sampler, slot: *LeafPage, plan: *ReadPlan) void {
    const w = &s.walker;
    const segments = s.thread_segments[plan.prefix_count..];
    plan.pages = slot.hot_count;
    for (slot.hot[0..plan.pages], 0..) |page, i| {
        const part = slot.hotPart(i);
        w.frame_cache.planPart(page, part.from, part.to, &segments[i]);
        plan.pages_bytes += part.to - part.from;
    }
    // 3.14+: while the code generation holds still the headers are not needed (`resolveCodes`);
    // they are prefetched only for a thread that saw it move at its previous read.
    const code_size: usize = @intCast(s.offsets.code.size);
    const codes = if (w.trusts_generation and !slot.generation_moved) slot.codes[0..0] else slot.codes[0..slot.code_count];
    plan.codes = codes.len;
    for (codes, 0..) |address, i| {
        w.prefetched_codes[i] = address;
        segments[plan.pages + i] = .{ .address = address, .buffer = w.prefetched_headers[i * code_size ..][0..code_size] };
    }
    // 3.8-3.10: the tid of the thread's `pthread_t` as it was last time, read last so that a
    // thread that has ended cannot spoil the pages before it.
    if (s.offsets.thread.id_is_pthread and slot.pthread != 0) if (s.tid_offset) |at| {
        plan.tid_segment = 1;
        segments[plan.pages + codes.len] = .{ .address = slot.pthread +% at, .buffer = &plan.tid_bytes };
    };
}

/// The thread state's fields, from the bytes just read.
fn decode(s: *Sampler, words: *const InterpreterWords, slot: *LeafPage, predicted_tid: ?u32) memory_interface.Error!ThreadState {
    const t = s.offsets.thread;
    const bytes = s.thread_bytes;
    // 3.11/3.12: the thread state points to a `_PyCFrame` (on the C stack), which points to
    // the top frame; its page is among the hot pages, so this usually costs no read.
    const top = word(bytes, t.current_frame);
    const cframe_field: u64 = if (t.cframe_current_frame) |at| (if (top == 0) 0 else top +% at) else 0;
    const current_frame = if (t.cframe_current_frame == null)
        top
    else if (cframe_field == 0)
        0
    else
        word(try s.walker.frame_cache.view(s.walker.memory, cframe_field, 8, false), 0);
    const thread_id = word(bytes, t.native_thread_id);
    // The target's own PID namespace; `/proc` lookups and the stream use the helper's.
    const own_tid = if (t.id_is_pthread) thread_status.tidOfPthread(s, thread_id, slot, predicted_tid) else thread_id;
    return .{
        .next = word(bytes, t.next),
        .current_frame = current_frame,
        .cframe_field = cframe_field,
        .native_thread_id = s.pid_namespace.procTid(own_tid),
        .base_frame = if (t.base_frame) |at| word(bytes, at) else 0,
        .holds_gil = if (t.holds_gil) |at| std.mem.readInt(i32, bytes[@intCast(at)..][0..4], .little) != 0 else false,
        .gil_locked = words.value(u32, .gil_locked) != 0,
        .gil_holder = words.value(u64, .gil_holder),
        .gc_collecting = words.value(u32, .gc_collecting) != 0,
        .exc_info = word(bytes, t.exc_info),
        .exc_state_value = word(bytes, t.exc_state + s.offsets.exc_item.value),
        .exc_state_previous = word(bytes, t.exc_state + s.offsets.exc_item.previous),
    };
}
