//! The stack walk: from a thread's top frame down its chain of callers (`previous`), into the
//! code addresses and instruction positions of a sample, then code ids (`CodeCache`). Generic
//! over the memory it reads (`memory.zig`): the sampler walks the target (`RemoteMemory`), unit
//! tests walk byte images of each version family's frames (`ByteImage`).
//!
//! The version families differ only in what `PyOffsets` says: before 3.11 frames are
//! `PyFrameObject`s chained by `f_back`, with `f_lasti` as the instruction position (and a freed
//! frame recognised by its zero reference count); 3.11+ frames are `_PyInterpreterFrame`s with
//! an instruction pointer; 3.12+ skip C-stack shim frames by owner. Frames CPython's own
//! tracebacks leave out are left out too (`isIncomplete`): the 3.13+ init shim, and a frame
//! that has not reached its first RESUME. The target is never paused,
//! so a walk can see a stack being changed: every walk is checked (alignment, frame owner, code
//! type, instruction range, cycles, and on 3.15 the sentinel base frame) and a torn walk is
//! reported as `error.Torn`, for the caller to re-read. Frames are read through `FrameCache`
//! and the code headers of a stack with one batched read.

const std = @import("std");
const limits = @import("limits.zig");
const buffers = @import("buffers.zig");
const wire = @import("wire.zig");
const os = @import("os.zig");
const memory_interface = @import("memory.zig");
const word = memory_interface.wordAt;
const CycleDetector = @import("cycle.zig").CycleDetector;
const CodeCache = @import("CodeCache.zig");
const DistinctCodes = @import("DistinctCodes.zig");
const FrameCache = @import("FrameCache.zig");
const LeafPage = @import("LeafPage.zig");
const Output = @import("Output.zig");
const PyOffsets = @import("py_offsets.zig").PyOffsets;

/// The executable recorded for a `<native>` frame (`--native`): odd, so never an object.
pub const native_marker: u64 = 1;

/// `_PyInterpreterFrame.owner` of a generator's or coroutine's frame, 3.11-3.15.
const frame_owner_generator: u8 = 1;

pub const Error = error{
    Torn,
    /// Before 3.11: a frame object reached by the walk had been freed (see `step`).
    FrameFreed,
} || memory_interface.Error || Output.Error;

/// Where a thread's chain starts and ends, from its thread state.
pub const Start = struct {
    current_frame: u64,
    /// 3.11/3.12: where the top frame's address was read (`_PyCFrame.current_frame`); else 0.
    cframe_field: u64 = 0,
    /// 3.15: where the frame chain must end; 0 before 3.15.
    base_frame: u64 = 0,
};

/// The walker over memory source `Memory` (`RemoteMemory`, or `*ByteImage` in tests).
pub fn StackWalk(comptime Memory: type) type {
    return struct {
        const Walk = @This();

        memory: Memory,
        offsets: *const PyOffsets,
        /// Where `CodeCache` writes the `code` record of a new code object.
        out: *Output,
        /// `--native`: a `<native>` frame where C called into Python.
        native: bool,
        /// Whether code headers may be skipped while the code generation holds still (3.14+;
        /// not with `--locals`, which reads the names in the headers).
        trusts_generation: bool,
        frame_cache: FrameCache,
        code_cache: CodeCache,
        /// `ob_type` of code objects, learnt from the first object whose type is named "code".
        code_type: ?u64 = null,
        /// The stack being built: executable, instruction pointer and frame address per
        /// reported frame, leaf first.
        executables: []u64,
        instr_ptrs: []u64,
        frame_addresses: []u64,
        /// The frame's owner byte per reported Python frame (0 before 3.11).
        owners: []u8,
        /// The sample's `code_id, instr_index` pairs, plus the truncation marker.
        frame_ints: []u32,
        /// Distinct code objects of the current stack and their headers.
        distinct: DistinctCodes,
        /// Frames of the stack last resolved (`resolveCodes`): `distinct` and `headers`
        /// describe them.
        distinct_depth: usize = 0,
        headers: []u8,
        /// Scratch for reading code headers: preallocated, since a safe build fills every
        /// `undefined` local with 0xaa on each call.
        header_segments: []memory_interface.Segment,
        /// Code headers read with the thread state (the thread's `LeafPage.codes`):
        /// `prefetched_count` of them arrived, in the order of `prefetched_codes`.
        prefetched_codes: [limits.hot_codes_max]u64 = @splat(0),
        prefetched_headers: []u8,
        prefetched_count: usize = 0,
        /// 3.14+: the interpreter's code generation as the current walk's thread state read
        /// found it (null when headers are always compared: older versions, `--locals`).
        generation: ?CodeCache.Generation = null,
        /// The slot of the thread being walked, whose hot pages and codes the walk marks.
        slot: ?*LeafPage = null,

        pub fn init(gpa: std.mem.Allocator, memory: Memory, offsets: *const PyOffsets, out: *Output, native: bool, locals: bool) std.mem.Allocator.Error!Walk {
            return .{
                .memory = memory,
                .offsets = offsets,
                .out = out,
                .native = native,
                .trusts_generation = offsets.interpreter.code_generation != null and !locals,
                // Frame objects (before 3.11) are scattered on the heap: the pages below one
                // hold no callers.
                .frame_cache = .init(try buffers.create([limits.frame_cache_pages][limits.page_bytes]u8), if (offsets.frame.refcount != null) 1 else limits.frame_read_ahead_pages),
                .code_cache = try .init(gpa),
                .executables = try gpa.alloc(u64, limits.stack_depth_max),
                .instr_ptrs = try gpa.alloc(u64, limits.stack_depth_max),
                .frame_addresses = try gpa.alloc(u64, limits.stack_depth_max),
                .owners = try gpa.alloc(u8, limits.stack_depth_max),
                .frame_ints = try gpa.alloc(u32, 2 * (limits.stack_depth_max + 1)),
                .distinct = try .init(gpa),
                .headers = try buffers.alloc(u8, limits.stack_depth_max * offsets.code.size),
                .header_segments = try gpa.alloc(memory_interface.Segment, limits.iovecs_max),
                .prefetched_headers = try gpa.alloc(u8, limits.hot_codes_max * offsets.code.size),
            };
        }

        /// The walk so far.
        const Chain = struct {
            depth: usize = 0,
            truncated: bool = false,
            last_frame: u64 = 0,
            detector: CycleDetector = .{},
            /// Before 3.11: a frame with references was seen (see `step`).
            seen_live: bool = false,
            last_owner: u8 = 0,
        };

        /// Walks one snapshot of a thread's stack into `frame_ints`; returns the number of ints.
        pub fn walk(w: *Walk, start: Start) Error!usize {
            var chain: Chain = .{};
            if (w.slot) |slot| {
                slot.beginWalk();
                if (start.cframe_field != 0) slot.addHotSpan(start.cframe_field, 8);
            }
            var frame = start.current_frame;
            for (0..limits.frame_chain_max) |_| {
                if (frame == 0) break;
                // 3.15: the thread's sentinel ends every complete chain and holds no Python
                // frame, so it is not read (its page would be one more per tick).
                if (frame == start.base_frame) {
                    chain.last_frame = frame;
                    break;
                }
                frame = try w.step(&chain, frame) orelse break;
            } else return error.Torn; // Longer than any real chain: a loop the detector has not closed yet.

            try w.checkChainEnd(&chain, start.base_frame);
            const depth = try w.resolveCodes(chain.depth);
            var ints = 2 * depth;
            if (chain.truncated) {
                w.frame_ints[ints] = 0;
                w.frame_ints[ints + 1] = 0;
                ints += 2;
            }
            return ints;
        }

        /// Reads one frame and records it; returns its caller's address, or null when the
        /// stack is deeper than `limits.stack_depth_max` (then `chain.truncated`).
        fn step(w: *Walk, chain: *Chain, frame: u64) Error!?u64 {
            const f = w.offsets.frame;
            if (frame % 8 != 0 or chain.detector.step(frame)) return error.Torn;
            if (w.slot) |slot| slot.addHotSpan(frame, f.read_bytes);
            // A caller just below its callee: the walk is going down a data-stack chunk, whose
            // next pages hold the callers too. A jump elsewhere (a C-stack entry frame, 3.15's
            // sentinel in the thread state, a heap frame object) needs that one page.
            const last = chain.last_frame;
            const running_down = last == 0 or (frame < last and last - frame <= 2 * limits.page_bytes);
            const bytes = try w.frame_cache.view(w.memory, frame, @intCast(f.read_bytes), running_down);
            // Before 3.11 a frame is an object, and one with no references has returned and
            // been freed since the thread state was read. A fast leaf does that within the
            // time of one read, so freed frames at the leaf end are left out (like a leaf in
            // transition below): a zombie frame still points to its caller, a free-list frame
            // to other freed frames. A freed frame below a live one, or a chain of only freed
            // frames, cannot be walked: the stack is re-read (`FrameFreed`, which does not use
            // up `--retries`).
            if (f.refcount) |at| {
                if (word(bytes, at) == 0) {
                    if (chain.seen_live) return error.FrameFreed;
                    chain.last_frame = frame;
                    return word(bytes, f.previous);
                }
                chain.seen_live = true;
            }
            // Before 3.11 there is no owner: every frame object is a Python function's.
            const owner = if (f.owner) |at| bytes[@intCast(at)] else 0;
            if (owner > 4) return error.Torn;
            chain.last_owner = owner;
            if (owner < w.offsets.frame_owner_internal_min) {
                if (chain.depth == limits.stack_depth_max) {
                    chain.truncated = true;
                    return null;
                }
                w.pushPython(chain, frame, bytes);
            } else if (w.native and chain.depth > 0 and chain.depth < limits.stack_depth_max and w.executables[chain.depth - 1] != native_marker) {
                // C called into Python here (an entry or C-stack shim frame, 3.12+):
                // `<native>`, below the frames it called. Never a leaf (the 3.15 sentinel, no
                // call, ended the walk above).
                w.pushNative(chain);
            }
            chain.last_frame = frame;
            return word(bytes, f.previous);
        }

        /// Records a Python function's frame (`bytes`, read at `frame`).
        fn pushPython(w: *Walk, chain: *Chain, frame: u64, bytes: []const u8) void {
            const f = w.offsets.frame;
            const executable = word(bytes, f.executable) & ~w.offsets.executable_tag_mask;
            // A leaf whose executable is NULL is being pushed or has just been popped (3.14+
            // clears it on return): at this instant the stack is its callers, so it is left
            // out. Anywhere else a NULL executable is a torn read, caught in `resolveCodes`.
            const leaf_in_transition = executable == 0 and chain.depth == 0;
            if (leaf_in_transition) return;
            w.executables[chain.depth] = executable;
            w.frame_addresses[chain.depth] = frame;
            w.owners[chain.depth] = if (f.owner) |at| bytes[@intCast(at)] else 0;
            w.instr_ptrs[chain.depth] = switch (f.instr_kind) {
                .pointer, .prev_pointer => word(bytes, f.instr_ptr),
                // `f_lasti`, sign-extended so that -1 (not started) stays recognisable.
                .lasti_bytes, .lasti_units => @bitCast(@as(i64, std.mem.readInt(i32, bytes[@intCast(f.instr_ptr)..][0..4], .little))),
            };
            chain.depth += 1;
            // 3.11: this frame was called from C; its caller's frames are below `<native>`.
            if (f.is_entry) |at| if (w.native and bytes[@intCast(at)] != 0 and chain.depth < limits.stack_depth_max) {
                w.pushNative(chain);
            };
        }

        fn pushNative(w: *Walk, chain: *Chain) void {
            w.executables[chain.depth] = native_marker;
            w.instr_ptrs[chain.depth] = 0;
            chain.depth += 1;
        }

        /// 3.15: a complete chain ends at the thread's sentinel frame; 3.12-3.14 at the entry
        /// frame the interpreter pushed when C first called into Python. A chain that stops at a
        /// Python frame instead lost the link to its caller during the read: a coroutine or
        /// generator that yielded (which clears its frame's `previous`) after the thread state
        /// was read. Reported, that would be a stack cut short; it is re-read instead. 3.11 has
        /// no entry frames, but a generator's frame (owner 1) is never a thread's first:
        /// something resumed it. (Only a thread whose target is a C function resuming a
        /// generator directly would have one, and its samples would count as failed.) Before
        /// 3.11 this tear is not detected.
        fn checkChainEnd(w: *const Walk, chain: *const Chain, base_frame: u64) error{ Torn, FrameFreed }!void {
            const f = w.offsets.frame;
            if (f.refcount != null and chain.last_frame != 0 and !chain.seen_live) return error.FrameFreed;
            if (chain.truncated or chain.last_frame == 0) return;
            if (w.offsets.thread.base_frame != null) {
                if (chain.last_frame != base_frame) return error.Torn;
            } else if (f.owner != null) {
                const generator_owned = chain.last_owner == frame_owner_generator;
                const entry = chain.last_owner >= w.offsets.frame_owner_internal_min;
                if (generator_owned or (w.offsets.minor() >= 12 and !entry)) return error.Torn;
            }
        }

        /// Turns the stack's executables into code ids and its instruction pointers into
        /// indexes, reading the distinct code headers not trusted (`CodeCache.trusted`) in one
        /// batch. Returns the depth of the stack reported (`fillFrameInts`).
        fn resolveCodes(w: *Walk, depth: usize) Error!usize {
            w.distinct_depth = depth;
            const code_size: usize = @intCast(w.offsets.code.size);
            w.distinct.clear();
            for (w.executables[0..depth]) |executable| {
                if (executable == native_marker) continue;
                if (executable == 0 or executable % 8 != 0) return error.Torn;
                _ = w.distinct.indexOf(executable);
            }
            const codes = w.distinct.addresses();
            // An id of 0 (ids start at 1) marks a code whose header must be read and compared.
            for (codes, 0..) |address, i| {
                const known: ?CodeCache.Known = if (w.generation) |generation| w.code_cache.trusted(address, generation) else null;
                w.distinct.ids[i] = if (known) |k| k.code_id else 0;
                w.distinct.size_units[i] = if (known) |k| k.size_units else 0;
                w.distinct.first_traceable[i] = if (known) |k| k.first_traceable else 0;
            }
            try w.readHeaders(codes, w.distinct.ids[0..codes.len], code_size);
            if (w.slot) |slot| slot.addCodes(codes);

            for (codes, 0..) |address, i| {
                if (w.distinct.ids[i] != 0) continue;
                const header = w.headers[i * code_size ..][0..code_size];
                if (!try w.isCode(word(header, w.offsets.object.ob_type))) return error.Torn;
                const known = try w.code_cache.idFor(w.memory, w.offsets, address, header, w.generation, w.out, os.clock.monotonicNs());
                w.distinct.ids[i] = known.code_id;
                w.distinct.size_units[i] = known.size_units;
                w.distinct.first_traceable[i] = known.first_traceable;
            }
            const reported = try w.fillFrameInts(depth);
            w.distinct_depth = reported;
            return reported;
        }

        /// Writes each reported frame's `code_id, instr_index` pair, once its code is resolved,
        /// and returns how many there are. A frame CPython leaves out of tracebacks
        /// (`isIncomplete`) is left out, its level taken by the next, and so is a `<native>`
        /// marker that this would leave as the leaf.
        fn fillFrameInts(w: *Walk, depth: usize) error{Torn}!usize {
            var kept: usize = 0;
            for (0..depth) |level| {
                const executable = w.executables[level];
                if (executable == native_marker) {
                    if (kept == 0) continue;
                    w.frame_ints[2 * kept] = 0;
                    w.frame_ints[2 * kept + 1] = wire.native_instr_index;
                } else {
                    const i = w.distinct.indexOf(executable);
                    const index = try instrIndex(w.offsets, executable, w.instr_ptrs[level]);
                    if (index > w.distinct.size_units[i]) return error.Torn;
                    if (isIncomplete(w.offsets, executable, w.instr_ptrs[level], w.distinct.first_traceable[i], w.owners[level])) continue;
                    w.frame_ints[2 * kept] = w.distinct.ids[i];
                    w.frame_ints[2 * kept + 1] = @intCast(index);
                }
                w.executables[kept] = executable;
                w.instr_ptrs[kept] = w.instr_ptrs[level];
                w.frame_addresses[kept] = w.frame_addresses[level];
                kept += 1;
            }
            return kept;
        }

        /// Reads `code_size` bytes at each address whose id is still 0 into `headers`: those
        /// read with the thread state are copied, the rest read in batches of
        /// `limits.iovecs_max`.
        fn readHeaders(w: *Walk, codes: []const u64, ids: []const u32, code_size: usize) memory_interface.Error!void {
            const segments = w.header_segments;
            const prefetched = w.prefetched_codes[0..w.prefetched_count];
            var pending: usize = 0;
            for (codes, ids, 0..) |address, id, i| {
                if (id != 0) continue;
                const buffer = w.headers[i * code_size ..][0..code_size];
                if (std.mem.findScalar(u64, prefetched, address)) |p| {
                    @memcpy(buffer, w.prefetched_headers[p * code_size ..][0..code_size]);
                    continue;
                }
                segments[pending] = .{ .address = address, .buffer = buffer };
                pending += 1;
                if (pending == segments.len) {
                    try w.readPending(segments[0..pending], code_size);
                    pending = 0;
                }
            }
            if (pending > 0) try w.readPending(segments[0..pending], code_size);
        }

        /// One batch of `readHeaders`; after a short read the rest is read one by one, so that
        /// one bad address fails alone.
        fn readPending(w: *Walk, segments: []const memory_interface.Segment, code_size: usize) memory_interface.Error!void {
            const read = try w.memory.readSegments(segments);
            for (segments[read / code_size ..]) |segment| try w.memory.read(segment.address, segment.buffer);
        }

        /// Whether `ob_type` is the code type, learning its address from the first type named
        /// "code".
        fn isCode(w: *Walk, ob_type: u64) memory_interface.Error!bool {
            if (w.code_type) |code_type| return ob_type == code_type;
            const name_address = w.memory.readValue(u64, ob_type +% w.offsets.type_object.tp_name) catch |err|
                return if (err == error.Unmapped) false else err;
            var name: [5]u8 = undefined;
            w.memory.read(name_address, &name) catch |err| return if (err == error.Unmapped) false else err;
            if (!std.mem.eql(u8, &name, "code\x00")) return false;
            w.code_type = ob_type;
            return true;
        }
    };
}

/// Whether CPython counts a frame as not started, and leaves it out of tracebacks and `f_back`
/// (`_PyFrame_IsIncomplete`, 3.11-3.15): a frame not owned by a generator whose instruction
/// lies before its code's first traceable one. That is every frame of the 3.13+ init shim
/// (`_Py_InitCleanup`, which sits between a caller and `Cls.__init__` and whose
/// `_co_firsttraceable` is past its last instruction), and a frame just pushed that has not
/// reached its first RESUME. `instr` is the frame's raw field; never true before 3.11.
pub fn isIncomplete(offsets: *const PyOffsets, code: u64, instr: u64, first_traceable: u32, owner: u8) bool {
    if (offsets.code.first_traceable == null or owner == frame_owner_generator) return false;
    // 3.13+ `instr_ptr` is the instruction running, 3.11/3.12 `prev_instr` the last one started
    // (one unit before the bytecode until the first): CPython compares either with the first
    // traceable instruction the same way.
    return instr < code + offsets.code.co_code_adaptive + 2 * @as(u64, first_traceable);
}

/// The position, in code units from the start of the bytecode, of a frame's instruction.
/// 3.8/3.9 `f_lasti` counts bytes, 3.10 `f_lasti` code units; before the first instruction
/// (`f_lasti` -1, or 3.11/3.12 `prev_instr` one unit before the bytecode) it is 0. From 3.11 it
/// is the distance of the instruction pointer from `co_code_adaptive` (unwinding.md 4.4).
pub fn instrIndex(offsets: *const PyOffsets, code: u64, instr: u64) error{Torn}!u64 {
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
