//! Unit tests of the stack walk over byte images (`ByteImage`): for each version family the
//! test lays out frames, code objects and the code type in memory from the offset tables
//! (`py_tables.zig` through `py_offsets.fromBuiltin`, the 3.13 `_Py_DebugOffsets` record
//! through `fromDebugOffsets`), walks them with `StackWalk`, and checks the code addresses and
//! instruction indexes it reports, and that a cycle or a torn chain is rejected.
//!
//! 3.14 and 3.15 have no table here: their walker-visible differences from 3.13 (a tagged
//! `f_executable`, the 3.15 sentinel base frame) are applied to the 3.13 offsets.

const std = @import("std");
const testing = std.testing;
const limits = @import("limits.zig");
const py_offsets = @import("py_offsets.zig");
const PyOffsets = py_offsets.PyOffsets;
const ByteImage = @import("ByteImage.zig");
const Output = @import("Output.zig");
const StackWalk = @import("StackWalk.zig");
const Walk = StackWalk.StackWalk(*ByteImage);

const page_bytes = limits.page_bytes;
/// Where the image's frames live (a data stack: callers below callees) and its objects.
const stack_base: u64 = 0x7f00_0000_0000;
const stack_pages = 8;
const heap_base: u64 = 0x5500_0000_0000;
const heap_bytes = 0x8000;
/// In the heap: the code type (its `tp_name` points to "code"), then code objects, then the
/// `co_code` bytes objects of code before 3.11.
const type_at: u64 = heap_base;
const type_name_at: u64 = heap_base + 0x100;
/// The `str` every code object is named by ("f", compact ASCII) and its empty line table.
const name_at: u64 = heap_base + 0x200;
const line_table_at: u64 = heap_base + 0x300;
const codes_at: u64 = heap_base + 0x1000;
const code_stride = 0x400;
const bytes_objects_at: u64 = heap_base + 0x6000;

/// One frame to lay out, leaf first.
const FrameSpec = struct {
    code: usize = 0,
    instr_units: u64 = 0,
    owner: u8 = 0,
    /// Before 3.11: the frame object's reference count (0: freed).
    refcount: u64 = 1,
};

const Family = enum { v3_8, v3_9, v3_10, v3_11, v3_12, v3_13, v3_14, v3_15 };

fn offsetsOf(family: Family) !PyOffsets {
    return switch (family) {
        .v3_8 => py_offsets.fromBuiltin(py_offsets.builtinFor(8).?, 0x030812f0),
        .v3_9 => py_offsets.fromBuiltin(py_offsets.builtinFor(9).?, 0x030912f0),
        .v3_10 => py_offsets.fromBuiltin(py_offsets.builtinFor(10).?, 0x030a0df0),
        .v3_11 => py_offsets.fromBuiltin(py_offsets.builtinFor(11).?, 0x030b07f0),
        .v3_12 => py_offsets.fromBuiltin(py_offsets.builtinFor(12).?, 0x030c01f0),
        .v3_13, .v3_14, .v3_15 => {
            const record = py_offsets.liveRecord3_13();
            var offsets = try py_offsets.fromDebugOffsets(&record);
            if (family == .v3_14) offsets.version_hex = 0x030e00f0;
            if (family == .v3_15) {
                offsets.version_hex = 0x030f00f0;
                offsets.thread.base_frame = 264;
            }
            return offsets;
        },
    };
}

/// The image: frames in `stack`, objects in `heap`, and the walker reading them.
const Fixture = struct {
    offsets: PyOffsets,
    stack: []u8,
    heap: []u8,
    regions: [2]ByteImage.Region,
    image: ByteImage,
    out_buffer: []u8,
    out: Output,
    walk: Walk,

    fn init(arena: std.mem.Allocator, family: Family) !*Fixture {
        const fx = try arena.create(Fixture);
        fx.offsets = try offsetsOf(family);
        fx.stack = try arena.alloc(u8, stack_pages * page_bytes);
        @memset(fx.stack, 0);
        fx.heap = try arena.alloc(u8, heap_bytes);
        @memset(fx.heap, 0);
        fx.regions = .{ .{ .address = stack_base, .bytes = fx.stack }, .{ .address = heap_base, .bytes = fx.heap } };
        fx.image = .{ .regions = &fx.regions };
        fx.out_buffer = try arena.alloc(u8, limits.output_bytes);
        fx.out = .init(-1, fx.out_buffer);
        fx.walk = try .init(arena, &fx.image, &fx.offsets, &fx.out, false, false);
        fx.put(type_at + fx.offsets.type_object.tp_name, type_name_at);
        @memcpy(fx.heap[type_name_at - heap_base ..][0..5], "code\x00");
        fx.put(name_at + fx.offsets.unicode.length, 1);
        // kind 1, compact, ASCII (`pep393.State`).
        std.mem.writeInt(u32, fx.bytes(name_at + fx.offsets.unicode.state)[0..4], 1 << 2 | 1 << 5 | 1 << 6, .little);
        fx.bytes(name_at + fx.offsets.unicode.ascii_data)[0] = 'f';
        return fx;
    }

    fn put(fx: *Fixture, address: u64, value: u64) void {
        std.mem.writeInt(u64, fx.bytes(address)[0..8], value, .little);
    }

    fn bytes(fx: *Fixture, address: u64) []u8 {
        if (address >= heap_base and address < heap_base + heap_bytes) return fx.heap[@intCast(address - heap_base)..];
        return fx.stack[@intCast(address - stack_base)..];
    }

    fn codeAddress(index: usize) u64 {
        return codes_at + index * code_stride;
    }

    /// A code object of `size_units` code units, of the code type.
    fn putCode(fx: *Fixture, index: usize, size_units: u64) void {
        const code = codeAddress(index);
        fx.put(code + fx.offsets.object.ob_type, type_at);
        const c = fx.offsets.code;
        for ([_]u64{ c.filename, c.name, c.qualname }) |at| fx.put(code + at, name_at);
        fx.put(code + c.linetable, line_table_at);
        if (fx.offsets.code.co_code) |at| {
            // Before 3.11 the size is that of the `co_code` bytes object, in bytes.
            const bytes_object = bytes_objects_at + index * 0x40;
            fx.put(code + at, bytes_object);
            fx.put(bytes_object + fx.offsets.bytes.ob_size, 2 * size_units);
        } else fx.put(code + fx.offsets.object.ob_size, size_units);
    }

    /// The address of the `level`th frame from the leaf: the leaf highest, callers below.
    fn frameAddress(level: usize) u64 {
        return stack_base + 6 * page_bytes - 256 * level;
    }

    /// Lays out `frames` (leaf first), each linked to the next; the last links to `bottom`.
    fn putChain(fx: *Fixture, frames: []const FrameSpec, bottom: u64) void {
        for (frames, 0..) |spec, level| {
            const next = if (level + 1 < frames.len) frameAddress(level + 1) else bottom;
            fx.putFrame(frameAddress(level), spec, next);
        }
    }

    fn putFrame(fx: *Fixture, frame: u64, spec: FrameSpec, previous: u64) void {
        const f = fx.offsets.frame;
        const code = codeAddress(spec.code);
        fx.put(frame + f.previous, previous);
        // 3.14+: `f_executable` is a tagged stack reference.
        const tag: u64 = if (fx.offsets.minor() >= 14) 1 else 0;
        fx.put(frame + f.executable, code | tag);
        switch (f.instr_kind) {
            .pointer, .prev_pointer => fx.put(frame + f.instr_ptr, code + fx.offsets.code.co_code_adaptive + 2 * spec.instr_units),
            .lasti_bytes => std.mem.writeInt(i32, fx.bytes(frame + f.instr_ptr)[0..4], @intCast(2 * spec.instr_units), .little),
            .lasti_units => std.mem.writeInt(i32, fx.bytes(frame + f.instr_ptr)[0..4], @intCast(spec.instr_units), .little),
        }
        if (f.owner) |at| fx.bytes(frame + at)[0] = spec.owner;
        if (f.refcount) |at| fx.put(frame + at, spec.refcount);
    }

    /// Where the chain must end: the 3.15 sentinel (never read), else nothing.
    fn sentinel(fx: *const Fixture) u64 {
        return if (fx.offsets.thread.base_frame != null) stack_base + 7 * page_bytes else 0;
    }

    /// The frame a complete chain ends with: 3.12-3.14 an entry frame (owner 3), else none.
    fn needsEntryFrame(fx: *const Fixture) bool {
        return fx.offsets.minor() >= 12 and fx.offsets.thread.base_frame == null;
    }
};

/// Three Python frames (code 0 at 5, code 1 at 3, code 0 at 0), completed as the family's
/// chains are (an entry frame on 3.12-3.14, the sentinel on 3.15).
fn layOutThreeFrames(fx: *Fixture) StackWalk.Start {
    fx.putCode(0, 40);
    fx.putCode(1, 10);
    var frames: [4]FrameSpec = .{ .{ .code = 0, .instr_units = 5 }, .{ .code = 1, .instr_units = 3 }, .{ .code = 0, .instr_units = 0 }, .{ .owner = 3 } };
    const count: usize = if (fx.needsEntryFrame()) 4 else 3;
    fx.putChain(frames[0..count], fx.sentinel());
    return .{ .current_frame = Fixture.frameAddress(0), .base_frame = fx.sentinel() };
}

fn expectWalk(family: Family) !void {
    var arena = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena.deinit();
    const fx = try Fixture.init(arena.allocator(), family);
    const start = layOutThreeFrames(fx);
    const ints = try fx.walk.walk(start);
    try testing.expectEqual(@as(usize, 6), ints);
    const code_0 = Fixture.codeAddress(0);
    const code_1 = Fixture.codeAddress(1);
    try testing.expectEqualSlices(u64, &.{ code_0, code_1, code_0 }, fx.walk.executables[0..3]);
    // Code ids start at 1, in first-seen order from the leaf; then each frame's index.
    try testing.expectEqualSlices(u32, &.{ 1, 5, 2, 3, 1, 0 }, fx.walk.frame_ints[0..6]);
    // Walked again, the same codes keep their ids (no new `code` record).
    const written = fx.out.encoder.len;
    try testing.expectEqual(@as(usize, 6), try fx.walk.walk(start));
    try testing.expectEqualSlices(u32, &.{ 1, 5, 2, 3, 1, 0 }, fx.walk.frame_ints[0..6]);
    try testing.expectEqual(written, fx.out.encoder.len);
}

fn expectCycleRejected(family: Family) !void {
    var arena = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena.deinit();
    const fx = try Fixture.init(arena.allocator(), family);
    fx.putCode(0, 40);
    // Two frames calling each other: never a real stack.
    fx.putFrame(Fixture.frameAddress(0), .{ .instr_units = 1 }, Fixture.frameAddress(1));
    fx.putFrame(Fixture.frameAddress(1), .{ .instr_units = 2 }, Fixture.frameAddress(0));
    try testing.expectError(error.Torn, fx.walk.walk(.{ .current_frame = Fixture.frameAddress(0), .base_frame = fx.sentinel() }));
}

/// A chain cut during the read: its last frame is not how the family's chains end.
fn expectTornChainRejected(family: Family) !void {
    var arena = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena.deinit();
    const fx = try Fixture.init(arena.allocator(), family);
    fx.putCode(0, 40);
    const start: StackWalk.Start = .{ .current_frame = Fixture.frameAddress(0), .base_frame = fx.sentinel() };
    if (fx.offsets.frame.refcount != null) {
        // Before 3.11: a freed frame object below a live one.
        fx.putChain(&.{ .{ .instr_units = 1 }, .{ .instr_units = 2, .refcount = 0 }, .{} }, 0);
        return testing.expectError(error.FrameFreed, fx.walk.walk(start));
    }
    // 3.11: a generator's frame first on the thread; 3.12+: a Python frame where the entry
    // frame (3.12-3.14) or the sentinel (3.15) should be.
    const last_owner: u8 = if (fx.offsets.minor() == 11) 1 else 0;
    fx.putChain(&.{ .{ .instr_units = 1 }, .{ .instr_units = 2, .owner = last_owner } }, 0);
    try testing.expectError(error.Torn, fx.walk.walk(start));
}

/// An instruction past the end of its code object's bytecode, and a misaligned frame.
fn expectBadFramesRejected(family: Family) !void {
    var arena = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena.deinit();
    const fx = try Fixture.init(arena.allocator(), family);
    fx.putCode(0, 4);
    var frames: [2]FrameSpec = .{ .{ .instr_units = 9 }, .{ .owner = 3 } };
    fx.putChain(frames[0..if (fx.needsEntryFrame()) 2 else 1], fx.sentinel());
    try testing.expectError(error.Torn, fx.walk.walk(.{ .current_frame = Fixture.frameAddress(0), .base_frame = fx.sentinel() }));
    try testing.expectError(error.Torn, fx.walk.walk(.{ .current_frame = Fixture.frameAddress(0) + 4, .base_frame = fx.sentinel() }));
}

test "walks the frames of every version family" {
    for (std.enums.values(Family)) |family| try expectWalk(family);
}

test "a cycle of frames is rejected in every version family" {
    for (std.enums.values(Family)) |family| try expectCycleRejected(family);
}

test "a torn chain is rejected in every version family" {
    for (std.enums.values(Family)) |family| try expectTornChainRejected(family);
}

test "an instruction out of range and a misaligned frame are rejected" {
    for (std.enums.values(Family)) |family| try expectBadFramesRejected(family);
}

test "3.12+: --native marks where C called into Python" {
    var arena = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena.deinit();
    const fx = try Fixture.init(arena.allocator(), .v3_13);
    fx.walk.native = true;
    fx.putCode(0, 40);
    fx.putChain(&.{ .{ .instr_units = 7 }, .{ .owner = 3 }, .{ .instr_units = 1 }, .{ .owner = 3 } }, 0);
    // Below each entry frame, the root's included: `<native>`.
    try testing.expectEqual(@as(usize, 8), try fx.walk.walk(.{ .current_frame = Fixture.frameAddress(0) }));
    const native = StackWalk.native_marker;
    try testing.expectEqualSlices(u64, &.{ Fixture.codeAddress(0), native, Fixture.codeAddress(0), native }, fx.walk.executables[0..4]);
    try testing.expectEqual(@as(u32, 7), fx.walk.frame_ints[1]);
    try testing.expectEqualSlices(u32, &.{ 1, 7, 0, @import("wire.zig").native_instr_index, 1, 1 }, fx.walk.frame_ints[0..6]);
}

// Frames CPython's own tracebacks leave out (`StackWalk.isIncomplete`), and code objects that
// cannot be read whole.

/// Writes `_co_firsttraceable` of code object `index`.
fn putFirstTraceable(fx: *Fixture, index: usize, value: i32) void {
    std.mem.writeInt(i32, fx.bytes(Fixture.codeAddress(index) + fx.offsets.code.first_traceable.?)[0..4], value, .little);
}

/// Lays out `frames` (leaf first) and the end the family's chains need; returns the start. The
/// walker's page cache is emptied, as before each tick.
fn layOutChain(fx: *Fixture, frames: []const FrameSpec) StackWalk.Start {
    fx.walk.frame_cache.reset();
    var all: [8]FrameSpec = undefined;
    @memcpy(all[0..frames.len], frames);
    all[frames.len] = .{ .owner = 3 };
    fx.putChain(all[0 .. frames.len + @intFromBool(fx.needsEntryFrame())], fx.sentinel());
    return .{ .current_frame = Fixture.frameAddress(0), .base_frame = fx.sentinel() };
}

fn expectInitShimLeftOut(family: Family) !void {
    var arena = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena.deinit();
    const fx = try Fixture.init(arena.allocator(), family);
    // 3.13+'s `_Py_InitCleanup`: 3 code units, first traceable 4 (past its end); every frame of
    // it is incomplete, wherever it runs.
    fx.putCode(0, 40);
    fx.putCode(1, 3);
    putFirstTraceable(fx, 1, 4);
    fx.putCode(2, 20);
    const start = layOutChain(fx, &.{ .{ .code = 2, .instr_units = 5 }, .{ .code = 1, .instr_units = 0 }, .{ .code = 0, .instr_units = 3 } });
    try testing.expectEqual(@as(usize, 4), try fx.walk.walk(start));
    // Ids in first-seen order from the leaf (the shim's is 2): the caller right below __init__.
    try testing.expectEqualSlices(u32, &.{ 1, 5, 3, 3 }, fx.walk.frame_ints[0..4]);
    try testing.expectEqualSlices(u64, &.{ Fixture.codeAddress(2), Fixture.codeAddress(0) }, fx.walk.executables[0..2]);
    try testing.expectEqual(@as(usize, 2), fx.walk.distinct_depth);
    // The same when the shim is the leaf (it runs between __init__'s return and the caller's).
    const shim_leaf = layOutChain(fx, &.{ .{ .code = 1, .instr_units = 1 }, .{ .code = 0, .instr_units = 3 } });
    try testing.expectEqual(@as(usize, 2), try fx.walk.walk(shim_leaf));
    try testing.expectEqualSlices(u32, &.{ 3, 3 }, fx.walk.frame_ints[0..2]);
}

test "3.11+: the init shim is left out, in every version family that has an owner" {
    for ([_]Family{ .v3_11, .v3_12, .v3_13, .v3_14, .v3_15 }) |family| try expectInitShimLeftOut(family);
}

test "3.11+: a frame before its first RESUME is left out, unless a generator owns it" {
    for ([_]Family{ .v3_11, .v3_12, .v3_13, .v3_15 }) |family| {
        var arena = std.heap.ArenaAllocator.init(testing.allocator);
        defer arena.deinit();
        const fx = try Fixture.init(arena.allocator(), family);
        fx.putCode(0, 40);
        fx.putCode(1, 30);
        putFirstTraceable(fx, 1, 2);
        // A function with cells, at its MAKE_CELL (index 1, before RESUME at 2): not started.
        const start = layOutChain(fx, &.{ .{ .code = 1, .instr_units = 1 }, .{ .code = 0, .instr_units = 3 } });
        try testing.expectEqual(@as(usize, 2), try fx.walk.walk(start));
        try testing.expectEqualSlices(u32, &.{ 2, 3 }, fx.walk.frame_ints[0..2]);
        // A generator resumed there has started (CPython keeps generator frames).
        _ = layOutChain(fx, &.{ .{ .code = 1, .instr_units = 1, .owner = 1 }, .{ .code = 0, .instr_units = 3 } });
        try testing.expectEqual(@as(usize, 4), try fx.walk.walk(start));
        try testing.expectEqualSlices(u32, &.{ 1, 1, 2, 3 }, fx.walk.frame_ints[0..4]);
        // At RESUME itself (3.13+ `instr_ptr`) or past it (3.11/3.12 `prev_instr`): started.
        _ = layOutChain(fx, &.{ .{ .code = 1, .instr_units = 2 }, .{ .code = 0, .instr_units = 3 } });
        try testing.expectEqual(@as(usize, 4), try fx.walk.walk(start));
    }
}

test "3.12: a frame just pushed (prev_instr before the bytecode) is left out" {
    var arena = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena.deinit();
    const fx = try Fixture.init(arena.allocator(), .v3_12);
    fx.putCode(0, 40);
    const start = layOutChain(fx, &.{ .{ .code = 0 }, .{ .code = 0, .instr_units = 3 } });
    // Index 0 with first traceable 0: RESUME has run.
    try testing.expectEqual(@as(usize, 4), try fx.walk.walk(start));
    fx.put(Fixture.frameAddress(0) + fx.offsets.frame.instr_ptr, Fixture.codeAddress(0) + fx.offsets.code.co_code_adaptive - 2);
    fx.walk.frame_cache.reset();
    try testing.expectEqual(@as(usize, 2), try fx.walk.walk(start));
    try testing.expectEqualSlices(u32, &.{ 1, 3 }, fx.walk.frame_ints[0..2]);
}

test "3.13+ --native: a frame left out leaves the <native> markers where C called Python" {
    var arena = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena.deinit();
    const fx = try Fixture.init(arena.allocator(), .v3_13);
    fx.walk.native = true;
    fx.putCode(0, 40);
    fx.putCode(1, 3);
    putFirstTraceable(fx, 1, 4);
    fx.putCode(2, 20);
    putFirstTraceable(fx, 2, 1);
    const native = @import("wire.zig").native_instr_index;
    // __init__ under the shim under a caller called from C: the markers stay.
    fx.putChain(&.{ .{ .code = 0, .instr_units = 5 }, .{ .code = 1 }, .{ .code = 0, .instr_units = 3 }, .{ .owner = 3 } }, 0);
    try testing.expectEqual(@as(usize, 6), try fx.walk.walk(.{ .current_frame = Fixture.frameAddress(0) }));
    try testing.expectEqualSlices(u32, &.{ 1, 5, 1, 3, 0, native }, fx.walk.frame_ints[0..6]);
    // A leaf C has just called, not started: left out, and the marker it leaves on top too.
    fx.walk.frame_cache.reset();
    fx.putChain(&.{ .{ .code = 2, .instr_units = 0 }, .{ .owner = 3 }, .{ .code = 0, .instr_units = 3 }, .{ .owner = 3 } }, 0);
    try testing.expectEqual(@as(usize, 4), try fx.walk.walk(.{ .current_frame = Fixture.frameAddress(0) }));
    try testing.expectEqualSlices(u32, &.{ 1, 3, 0, native }, fx.walk.frame_ints[0..4]);
}

test "a code object whose names or line table cannot be read fails the walk" {
    for ([_]Family{ .v3_8, .v3_12, .v3_13 }) |family| {
        var arena = std.heap.ArenaAllocator.init(testing.allocator);
        defer arena.deinit();
        const fx = try Fixture.init(arena.allocator(), family);
        fx.putCode(0, 40);
        const start = layOutChain(fx, &.{.{ .code = 0, .instr_units = 3 }});
        const c = fx.offsets.code;
        const code = Fixture.codeAddress(0);
        // A name freed under the read (unmapped), then one no longer a compact string.
        fx.put(code + c.name, 0x10);
        try testing.expectError(error.Torn, fx.walk.walk(start));
        const not_compact = heap_base + 0x280;
        fx.put(not_compact + fx.offsets.unicode.length, 1);
        std.mem.writeInt(u32, fx.bytes(not_compact + fx.offsets.unicode.state)[0..4], 1 << 2, .little);
        fx.put(code + c.name, not_compact);
        try testing.expectError(error.Torn, fx.walk.walk(start));
        // A line table that cannot be read.
        fx.put(code + c.name, name_at);
        fx.put(code + c.linetable, 0x10);
        try testing.expectError(error.Torn, fx.walk.walk(start));
        // Readable again: reported, with the first id (none was spent on the failures).
        fx.put(code + c.linetable, line_table_at);
        try testing.expectEqual(@as(usize, 2), try fx.walk.walk(start));
        try testing.expectEqualSlices(u32, &.{ 1, 3 }, fx.walk.frame_ints[0..2]);
    }
}
