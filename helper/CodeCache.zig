//! Code ids: the helper's name for each code object it has reported in a `code` record.
//!
//! A code object is known by its address plus a fingerprint of its header (file, name,
//! qualified name, line table, first line, size). A different fingerprint at a known address
//! means the object was freed and replaced: it gets a new id and a new `code` record, so a new
//! function is never reported under an old name. Ids only grow, so clearing the cache when it
//! is full (`limits.code_cache_entries_max`) never reuses an id. For a new code object this file
//! reads its strings (`pep393.zig`) and raw line table and writes the `code` record. A code
//! object whose names cannot be read whole (freed under the read, e.g. a module's code at the
//! end of its import) is no code object to report: the walk is torn (`error.Torn`), never a
//! frame with a made-up name.
//!
//! From 3.14 an interpreter counts code object deallocations (`Generation`). An entry checked
//! against its header while the count stood at some value is still the same object as long as
//! the count stands there (`trusted`): a frame can only name a code object that was alive after
//! the count was read, and such an object cannot have been freed and replaced without moving
//! it. The sampler reads the count before any frame of the walk, so the header read can be
//! skipped, which saves a page of the target's memory per distinct code object per tick.

const std = @import("std");
const limits = @import("limits.zig");
const buffers = @import("buffers.zig");
const pep393 = @import("pep393.zig");
const wire = @import("wire.zig");
const Output = @import("Output.zig");
const PyOffsets = @import("py_offsets.zig").PyOffsets;
const RemoteMemory = @import("RemoteMemory.zig");
const word = RemoteMemory.wordAt;

const CodeCache = @This();

/// The header fields that identify a code object's contents.
pub const Fingerprint = struct {
    filename: u64,
    name: u64,
    qualname: u64,
    linetable: u64,
    first_line: i32,
    /// The bytecode size in code units (3.11+), or the `co_code` bytes object (before 3.11).
    size_units: u64,

    /// Reads the fingerprint from a code object header (`code.size` bytes).
    pub fn fromHeader(offsets: *const PyOffsets, header: []const u8) Fingerprint {
        return .{
            .filename = word(header, offsets.code.filename),
            .name = word(header, offsets.code.name),
            .qualname = word(header, offsets.code.qualname),
            .linetable = word(header, offsets.code.linetable),
            .first_line = std.mem.readInt(i32, header[@intCast(offsets.code.firstlineno)..][0..4], .little),
            .size_units = word(header, offsets.code.co_code orelse offsets.object.ob_size),
        };
    }
};

/// An interpreter's count of code object deallocations (3.14+ `_code_object_generation`), as
/// read at the start of a walk.
pub const Generation = struct {
    interpreter: u64,
    value: u64,
};

const Entry = struct {
    code_id: u32,
    fingerprint: Fingerprint,
    size_units: u64,
    first_traceable: u32,
    /// The count at the walk that last compared this entry with the object's header.
    checked: ?Generation,

    fn known(entry: Entry) Known {
        return .{ .code_id = entry.code_id, .size_units = entry.size_units, .first_traceable = entry.first_traceable };
    }
};

/// A code object's id, its bytecode size in code units, and the index of its first traceable
/// instruction (3.11+ `_co_firsttraceable`; 0 before 3.11).
pub const Known = struct {
    code_id: u32,
    size_units: u64,
    first_traceable: u32 = 0,
};

pub const Error = RemoteMemory.Error || Output.Error || error{
    /// The code object's names could not be read: it changed or was freed during the read.
    Torn,
};

map: std.AutoHashMapUnmanaged(u64, Entry) = .empty,
next_id: u32 = 1,
/// Scratch space for one `code` record, allocated once.
line_table: []u8,
names: [3][]u8,
chars: []u8,

pub fn init(gpa: std.mem.Allocator) std.mem.Allocator.Error!CodeCache {
    var cache: CodeCache = .{
        .line_table = try buffers.alloc(u8, limits.line_table_bytes_max),
        .names = undefined,
        .chars = try gpa.alloc(u8, limits.name_code_points_max * 4),
    };
    for (&cache.names) |*name| name.* = try gpa.alloc(u8, limits.name_bytes_max);
    try cache.map.ensureTotalCapacity(gpa, limits.code_cache_entries_max);
    return cache;
}

/// The code object at `address` without reading its header: known if the cache checked it
/// against its header in a walk that read the same `generation` (same interpreter, same count).
pub fn trusted(cache: *const CodeCache, address: u64, generation: Generation) ?Known {
    const entry = cache.map.getPtr(address) orelse return null;
    const checked = entry.checked orelse return null;
    if (checked.interpreter != generation.interpreter or checked.value != generation.value) return null;
    return entry.known();
}

/// Returns the id and size of the code object at `address` whose header is `header`, writing a
/// `code` record first if the object is new (or replaced). `generation` is the count read
/// before the frame that named the object (null before 3.14).
pub fn idFor(
    cache: *CodeCache,
    memory: anytype,
    offsets: *const PyOffsets,
    address: u64,
    header: []const u8,
    generation: ?Generation,
    out: *Output,
    now_ns: u64,
) Error!Known {
    const fingerprint = Fingerprint.fromHeader(offsets, header);
    if (cache.map.getPtr(address)) |entry| {
        if (std.meta.eql(entry.fingerprint, fingerprint)) {
            entry.checked = generation;
            return entry.known();
        }
    }
    // Before 3.11 the size is that of the `co_code` bytes object (bytes; 2 per code unit).
    const size_units = if (offsets.code.co_code != null)
        try memory.readValue(u64, fingerprint.size_units +% offsets.bytes.ob_size) / 2
    else
        fingerprint.size_units;
    var record: wire.Code = .{
        .code_id = 0,
        .filename = try cache.readName(memory, offsets, fingerprint.filename, 0),
        .name = try cache.readName(memory, offsets, fingerprint.name, 1),
        .qualname = try cache.readName(memory, offsets, fingerprint.qualname, 2),
        .first_line = fingerprint.first_line,
        .line_table = try cache.readLineTable(memory, offsets, fingerprint.linetable),
    };
    if (cache.map.count() >= limits.code_cache_entries_max) cache.map.clearRetainingCapacity();
    record.code_id = cache.next_id;
    cache.next_id += 1;
    const encoder = try out.begin(now_ns, wire.codeBytesMax(record));
    encoder.writeCode(record);
    try out.end();
    const entry: Entry = .{
        .code_id = record.code_id,
        .fingerprint = fingerprint,
        .size_units = size_units,
        .first_traceable = firstTraceable(offsets, header),
        .checked = generation,
    };
    cache.map.putAssumeCapacity(address, entry);
    return entry.known();
}

/// 3.11+: the code's `_co_firsttraceable`, from its header; 0 before 3.11 (every frame object
/// is complete) and for a value no code object can have (then every frame counts as started).
fn firstTraceable(offsets: *const PyOffsets, header: []const u8) u32 {
    const at = offsets.code.first_traceable orelse return 0;
    const value = std.mem.readInt(i32, header[@intCast(at)..][0..4], .little);
    return if (value < 0) 0 else @intCast(value);
}

/// Reads a `str` as UTF-8, capped at `limits.name_code_points_max`. A name that cannot be read
/// (memory that changed under us, or not a compact string, which no code object's names are)
/// fails the walk (`error.Torn`), so no frame is ever reported under a made-up name.
fn readName(cache: *CodeCache, memory: anytype, offsets: *const PyOffsets, address: u64, slot: usize) error{ ProcessGone, Torn }![]const u8 {
    const read = try readStr(memory, offsets, address, limits.name_code_points_max, cache.chars, cache.names[slot]);
    return if (read) |str| str.utf8 else error.Torn;
}

/// A `str` read from the target: its first characters as UTF-8 and its whole length.
pub const Str = struct { utf8: []const u8, length: u64 };

/// Reads the `str` at `address` (PEP 393, compact strings only): at most `chars_max` code
/// points, through `chars` (4 bytes per code point) into `out` (4 bytes per code point). Null
/// if it cannot be read; only a vanished target is an error.
pub fn readStr(memory: anytype, offsets: *const PyOffsets, address: u64, chars_max: usize, chars: []u8, out: []u8) error{ProcessGone}!?Str {
    var header: [64]u8 = undefined;
    const header_bytes: usize = @intCast(@max(offsets.unicode.length, offsets.unicode.state) + 8);
    if (header_bytes > header.len) return null;
    memory.read(address, header[0..header_bytes]) catch |err| return if (err == error.ProcessGone) error.ProcessGone else null;

    const length = word(&header, offsets.unicode.length);
    const state = pep393.State.decode(std.mem.readInt(u32, header[@intCast(offsets.unicode.state)..][0..4], .little));
    const char_bytes = state.charBytes() orelse return null;
    if (!state.compact) return null;
    const data = if (state.ascii) offsets.unicode.ascii_data else offsets.unicode.compact_data;
    const count: usize = @intCast(@min(length, chars_max, chars.len / 4, out.len / 4));
    const raw = chars[0 .. count * char_bytes];
    memory.read(address +% data, raw) catch |err| return if (err == error.ProcessGone) error.ProcessGone else null;
    const utf8 = pep393.toUtf8(char_bytes, raw, out) orelse return null;
    return .{ .utf8 = utf8, .length = length };
}

/// Reads the raw bytes of `co_linetable`: empty (line unknown) if longer than
/// `limits.line_table_bytes_max`; unreadable, the walk is torn like an unreadable name.
fn readLineTable(cache: *CodeCache, memory: anytype, offsets: *const PyOffsets, address: u64) error{ ProcessGone, Torn }![]const u8 {
    const size = memory.readValue(u64, address +% offsets.bytes.ob_size) catch |err| return tornUnlessGone(err);
    if (size > limits.line_table_bytes_max) return "";
    const bytes = cache.line_table[0..@intCast(size)];
    memory.read(address +% offsets.bytes.ob_sval, bytes) catch |err| return tornUnlessGone(err);
    return bytes;
}

fn tornUnlessGone(err: RemoteMemory.Error) error{ ProcessGone, Torn } {
    return if (err == error.ProcessGone) error.ProcessGone else error.Torn;
}


test "a code object is trusted without its header only at the generation it was compared at" {
    const py_offsets = @import("py_offsets.zig");
    const offsets = try py_offsets.fromBuiltin(py_offsets.builtinFor(12).?, 0x030c0000);
    var cache: CodeCache = .{ .line_table = &.{}, .names = .{ &.{}, &.{}, &.{} }, .chars = &.{} };
    defer cache.map.deinit(std.testing.allocator);
    try cache.map.ensureTotalCapacity(std.testing.allocator, 4);

    var header: [512]u8 = @splat(0);
    std.mem.writeInt(u64, header[@intCast(offsets.code.name)..][0..8], 0x1000, .little);
    std.mem.writeInt(u64, header[@intCast(offsets.code.filename)..][0..8], 0x2000, .little);
    const address: u64 = 0x7f00_0000_0040;
    cache.map.putAssumeCapacity(address, .{ .code_id = 7, .fingerprint = .fromHeader(&offsets, header[0..@intCast(offsets.code.size)]), .size_units = 30, .first_traceable = 0, .checked = null });

    const seen: Generation = .{ .interpreter = 0x5000, .value = 41 };
    try std.testing.expectEqual(@as(?Known, null), cache.trusted(address, seen));
    // The header matches the entry: no memory is read and nothing is written.
    const known = try cache.idFor(RemoteMemory{ .pid = 0 }, &offsets, address, header[0..@intCast(offsets.code.size)], seen, undefined, 0);
    try std.testing.expectEqual(@as(u32, 7), known.code_id);
    try std.testing.expectEqual(@as(?Known, known), cache.trusted(address, seen));
    // A code object freed since (the count moved), another interpreter's count, another address.
    try std.testing.expectEqual(@as(?Known, null), cache.trusted(address, .{ .interpreter = 0x5000, .value = 42 }));
    try std.testing.expectEqual(@as(?Known, null), cache.trusted(address, .{ .interpreter = 0x6000, .value = 41 }));
    try std.testing.expectEqual(@as(?Known, null), cache.trusted(address + 64, seen));
    // Compared without a count (before 3.14, --locals): trusted no more.
    _ = try cache.idFor(RemoteMemory{ .pid = 0 }, &offsets, address, header[0..@intCast(offsets.code.size)], null, undefined, 0);
    try std.testing.expectEqual(@as(?Known, null), cache.trusted(address, seen));
}
