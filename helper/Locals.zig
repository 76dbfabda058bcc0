//! `--locals` (behind `tachyon dump --locals`): the local variables of each frame of a sample as
//! short reprs, built from the target's memory the way a debugger reads it, never by running
//! code in the target. Numbers, strings, bytes, `None`, `True` and `False` are shown (capped);
//! containers as their type and size; any other object as its type name and address. One
//! `frame_locals` message per frame follows the thread's `sample` (docs/protocol.md).
//!
//! Names come from the code object (`co_localsplusnames` from 3.11, `co_varnames` before),
//! values from the frame (`localsplus`, `f_localsplus`), both bounded by `limits.locals_max`.
//! A read that fails gives `<unreadable>` for that value; only a vanished target is an error.

const std = @import("std");
const limits = @import("limits.zig");
const CodeCache = @import("CodeCache.zig");
const wire = @import("wire.zig");
const Output = @import("Output.zig");
const PyOffsets = @import("py_offsets.zig").PyOffsets;
const RemoteMemory = @import("RemoteMemory.zig");
const word = RemoteMemory.wordAt;

const Locals = @This();

/// Code points of a name, and of a string value, that are shown.
const name_chars_max = 64;
const str_chars_max = 48;
const bytes_shown_max = 32;
/// Bytes of one repr, and of one name, in UTF-8.
const repr_bytes_max = 256;
const name_bytes_max = name_chars_max * 4;

/// `co_localspluskinds` bits (3.11+).
const kind_hidden: u8 = 0x10;
const kind_cell: u8 = 0x40;
const kind_free: u8 = 0x80;

pub const Error = Output.Error || error{ProcessGone};

memory: RemoteMemory,
offsets: *const PyOffsets,
/// Per local: its name and repr, in `text`.
entries: [limits.locals_max]wire.Local = undefined,
text: []u8,
/// The characters of one string, before they become UTF-8.
chars: []u8,

pub fn init(gpa: std.mem.Allocator, memory: RemoteMemory, offsets: *const PyOffsets) std.mem.Allocator.Error!Locals {
    return .{
        .memory = memory,
        .offsets = offsets,
        .text = try gpa.alloc(u8, limits.locals_max * (name_bytes_max + repr_bytes_max)),
        .chars = try gpa.alloc(u8, @max(name_chars_max, str_chars_max) * 4),
    };
}

/// Writes the `frame_locals` message of the frame at `frame_address` (`frame_index` counts
/// from the leaf, as in the sample), whose code object header is `header`.
pub fn write(l: *Locals, out: *Output, now_ns: u64, thread_id: u64, frame_index: u32, frame_address: u64, header: []const u8) Error!void {
    const count = try l.collect(frame_address, header);
    const entries = l.entries[0..count];
    const encoder = try out.begin(now_ns, wire.frameLocalsBytesMax(entries));
    encoder.writeFrameLocals(now_ns, thread_id, frame_index, entries);
    try out.end();
}

/// Fills `entries` with the frame's bound locals; returns how many.
fn collect(l: *Locals, frame_address: u64, header: []const u8) error{ProcessGone}!usize {
    const o = l.offsets;
    const names_tuple = word(header, o.locals.code_names);
    const size = l.readWord(names_tuple +% o.object.ob_size) orelse return 0;
    const count: usize = @intCast(@min(size, limits.locals_max));
    if (count == 0) return 0;

    var name_addresses: [limits.locals_max]u64 = undefined;
    var values: [limits.locals_max]u64 = undefined;
    if (!try l.readWords(names_tuple +% o.locals.tuple_items, name_addresses[0..count])) return 0;
    if (!try l.readWords(frame_address +% o.locals.frame_values, values[0..count])) return 0;
    var kinds: [limits.locals_max]u8 = @splat(0);
    if (o.locals.code_kinds) |at| {
        const kinds_bytes = word(header, at);
        l.memory.read(kinds_bytes +% o.bytes.ob_sval, kinds[0..count]) catch |err| {
            if (err == error.ProcessGone) return error.ProcessGone;
            return 0;
        };
    }

    var used: usize = 0;
    var text_used: usize = 0;
    for (0..count) |i| {
        // Comprehension variables inlined into this frame (3.12+) belong to the comprehension.
        if (kinds[i] & kind_hidden != 0) continue;
        var value = values[i] & ~o.executable_tag_mask;
        if (value == 0) continue; // Not bound yet (or deleted).
        if (kinds[i] & (kind_cell | kind_free) != 0 and try l.typeIs(value, "cell")) {
            value = (l.readWord(value +% o.locals.cell_ref) orelse 0) & ~o.executable_tag_mask;
            if (value == 0) continue;
        }
        const name_buffer = l.text[text_used..][0..name_bytes_max];
        const name = if (try l.readStr(name_addresses[i], name_chars_max, name_buffer)) |str| str.utf8 else "?";
        text_used += name.len;
        const repr_buffer = l.text[text_used..][0..repr_bytes_max];
        const shown = try l.repr(value, repr_buffer);
        text_used += shown.len;
        l.entries[used] = .{ .name = name, .repr = shown };
        used += 1;
    }
    return used;
}

/// A short repr of the object at `object`, written into `buffer`.
fn repr(l: *Locals, object: u64, buffer: []u8) error{ProcessGone}![]const u8 {
    const o = l.offsets;
    var type_name_bytes: [48]u8 = undefined;
    const type_name = try l.typeName(object, &type_name_bytes) orelse return copy(buffer, "<unreadable>");
    if (eql(type_name, "NoneType")) return copy(buffer, "None");
    if (eql(type_name, "int") or eql(type_name, "bool")) {
        var bytes: [40]u8 = undefined;
        if (!try l.readInto(object, &bytes)) return copy(buffer, "<unreadable>");
        const value = intValue(&bytes, o.locals.long_digits, o.locals.long_tagged, o.object.ob_size) orelse
            return std.fmt.bufPrint(buffer, "<int, more than {d} bits>", .{int_bits_max}) catch unreachable;
        if (eql(type_name, "bool")) return copy(buffer, if (value != 0) "True" else "False");
        return std.fmt.bufPrint(buffer, "{d}", .{value}) catch unreachable;
    }
    if (eql(type_name, "float")) {
        const bits = l.readWord(object +% o.locals.float_value) orelse return copy(buffer, "<unreadable>");
        return formatFloat(@bitCast(bits), buffer);
    }
    if (eql(type_name, "str")) {
        var utf8: [str_chars_max * 4]u8 = undefined;
        const str = try l.readStr(object, str_chars_max, &utf8) orelse return copy(buffer, "<str, unreadable>");
        return quoteStr(str.utf8, str.length, buffer);
    }
    if (eql(type_name, "bytes")) {
        const size = l.readWord(object +% o.bytes.ob_size) orelse return copy(buffer, "<unreadable>");
        var bytes: [bytes_shown_max]u8 = undefined;
        const shown: usize = @intCast(@min(size, bytes_shown_max));
        if (!try l.readInto(object +% o.bytes.ob_sval, bytes[0..shown])) return copy(buffer, "<unreadable>");
        return quoteBytes(bytes[0..shown], size, buffer);
    }
    const size_at: ?u64 = if (eql(type_name, "list") or eql(type_name, "tuple"))
        o.object.ob_size
    else if (eql(type_name, "dict"))
        o.locals.dict_used
    else if (eql(type_name, "set") or eql(type_name, "frozenset"))
        o.locals.set_used
    else
        null;
    if (size_at) |at| {
        const size = l.readWord(object +% at) orelse return copy(buffer, "<unreadable>");
        return std.fmt.bufPrint(buffer, "<{s}, {d} item{s}>", .{ type_name, size, if (size == 1) "" else "s" }) catch unreachable;
    }
    return std.fmt.bufPrint(buffer, "<{s} object at 0x{x}>", .{ type_name, object }) catch copy(buffer, "<object>");
}

/// The type name of the object at `object` (its `tp_name`), or null if unreadable.
fn typeName(l: *Locals, object: u64, buffer: *[48]u8) error{ProcessGone}!?[]const u8 {
    if (object % 8 != 0 or object >= limits.user_address_end) return null;
    const ob_type = l.readWord(object +% l.offsets.object.ob_type) orelse return null;
    if (ob_type >= limits.user_address_end) return null;
    const name_address = l.readWord(ob_type +% l.offsets.type_object.tp_name) orelse return null;
    // The name may end before the buffer does, at the end of a mapping: read less then.
    for ([_]usize{ buffer.len, 16 }) |length| {
        if (try l.readInto(name_address, buffer[0..length])) {
            const name = std.mem.sliceTo(buffer[0..length], 0);
            return if (name.len == length) null else name;
        }
    }
    return null;
}

fn typeIs(l: *Locals, object: u64, expected: []const u8) error{ProcessGone}!bool {
    var buffer: [48]u8 = undefined;
    const name = try l.typeName(object, &buffer) orelse return false;
    return eql(name, expected);
}

/// A `str` as UTF-8, at most `chars_max` code points, and its whole length; null if unreadable.
fn readStr(l: *Locals, address: u64, chars_max: usize, out: []u8) error{ProcessGone}!?CodeCache.Str {
    return CodeCache.readStr(l.memory, l.offsets, address, chars_max, l.chars, out);
}

fn readWord(l: *Locals, address: u64) ?u64 {
    return l.memory.readValue(u64, address) catch null;
}

fn readWords(l: *Locals, address: u64, words: []u64) error{ProcessGone}!bool {
    return l.readInto(address, std.mem.sliceAsBytes(words));
}

/// Reads `buffer.len` bytes; false if they are not all readable.
fn readInto(l: *Locals, address: u64, buffer: []u8) error{ProcessGone}!bool {
    l.memory.read(address, buffer) catch |err| return if (err == error.ProcessGone) error.ProcessGone else false;
    return true;
}

fn eql(a: []const u8, b: []const u8) bool {
    return std.mem.eql(u8, a, b);
}

fn copy(buffer: []u8, text: []const u8) []const u8 {
    @memcpy(buffer[0..text.len], text);
    return buffer[0..text.len];
}

/// Ints of up to this many bits are shown in full (four 30-bit digits).
const int_bits_max = 120;

/// The value of an `int` from its first 40 bytes, or null when it has more than four digits.
/// Before 3.12 the signed digit count is `ob_size`; from 3.12 `lv_tag` holds the count shifted
/// left by 3 and the sign in its low bits (0 positive, 1 zero, 2 negative).
fn intValue(bytes: *const [40]u8, digits_at: u64, tagged: bool, size_at: u64) ?i128 {
    const size_word = word(bytes, size_at);
    var negative = false;
    var count: u64 = 0;
    if (tagged) {
        count = size_word >> 3;
        negative = size_word & 3 == 2;
    } else {
        const signed: i64 = @bitCast(size_word);
        negative = signed < 0;
        count = @abs(signed);
    }
    if (count > 4 or digits_at + 4 * count > bytes.len) return null;
    var magnitude: u128 = 0;
    var i = count;
    while (i > 0) {
        i -= 1;
        const digit = std.mem.readInt(u32, bytes[@intCast(digits_at + 4 * i)..][0..4], .little) & ((1 << 30) - 1);
        magnitude = (magnitude << 30) | digit;
    }
    const value: i128 = @intCast(magnitude);
    return if (negative) -value else value;
}

/// Python's repr of a float as far as it matters here: shortest round-trip digits, and a
/// ".0" on whole numbers.
fn formatFloat(value: f64, buffer: []u8) []const u8 {
    if (std.math.isNan(value)) return copy(buffer, "nan");
    if (std.math.isInf(value)) return copy(buffer, if (value > 0) "inf" else "-inf");
    const text = std.fmt.bufPrint(buffer, "{d}", .{value}) catch return copy(buffer, "<float>");
    if (std.mem.findAny(u8, text, ".e") != null) return text;
    if (text.len + 2 > buffer.len) return text;
    @memcpy(buffer[text.len..][0..2], ".0");
    return buffer[0 .. text.len + 2];
}

/// `'text'`, escaped as Python would for quotes, backslashes and control characters, with
/// `...` and the length when the string was longer than what was read.
fn quoteStr(text: []const u8, length: u64, buffer: []u8) []const u8 {
    var w: Writer = .{ .buffer = buffer };
    w.put("'");
    for (text) |c| {
        if (escape(c)) |escaped| {
            w.put(escaped);
        } else if (c < 32 or c == 127) {
            w.print("\\x{x:0>2}", .{c});
        } else w.put(&.{c});
    }
    w.put("'");
    if (length > str_chars_max) w.print("... ({d} chars)", .{length});
    return w.written();
}

/// `b'bytes'` with non-printable bytes as `\xNN`, and the size when longer than shown.
fn quoteBytes(bytes: []const u8, size: u64, buffer: []u8) []const u8 {
    var w: Writer = .{ .buffer = buffer };
    w.put("b'");
    for (bytes) |c| {
        if (escape(c)) |escaped| {
            w.put(escaped);
        } else if (c < 32 or c >= 127) {
            w.print("\\x{x:0>2}", .{c});
        } else w.put(&.{c});
    }
    w.put("'");
    if (size > bytes.len) w.print("... ({d} bytes)", .{size});
    return w.written();
}

/// The backslash escape Python's repr uses for a quote, a backslash or a common control byte.
fn escape(c: u8) ?[]const u8 {
    return switch (c) {
        '\'' => "\\'",
        '\\' => "\\\\",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        else => null,
    };
}

/// Appends to a fixed buffer, dropping what does not fit (reprs are capped, not errors).
const Writer = struct {
    buffer: []u8,
    len: usize = 0,

    fn put(w: *Writer, bytes: []const u8) void {
        if (w.len + bytes.len > w.buffer.len) return;
        @memcpy(w.buffer[w.len..][0..bytes.len], bytes);
        w.len += bytes.len;
    }

    fn print(w: *Writer, comptime format: []const u8, args: anytype) void {
        const text = std.fmt.bufPrint(w.buffer[w.len..], format, args) catch return;
        w.len += text.len;
    }

    fn written(w: *const Writer) []const u8 {
        return w.buffer[0..w.len];
    }
};

const testing = std.testing;

fn longBytes(size_word: u64, digits: []const u32) [40]u8 {
    var bytes: [40]u8 = @splat(0);
    std.mem.writeInt(u64, bytes[16..24], size_word, .little);
    for (digits, 0..) |digit, i| std.mem.writeInt(u32, bytes[24 + 4 * i ..][0..4], digit, .little);
    return bytes;
}

test "ints before 3.12 (signed ob_size) and from 3.12 (lv_tag)" {
    try testing.expectEqual(@as(?i128, 0), intValue(&longBytes(0, &.{}), 24, false, 16));
    try testing.expectEqual(@as(?i128, 42), intValue(&longBytes(1, &.{42}), 24, false, 16));
    try testing.expectEqual(@as(?i128, -7), intValue(&longBytes(@bitCast(@as(i64, -1)), &.{7}), 24, false, 16));
    // 2**40 + 5 = digits 5, 1024 (30-bit digits, least significant first).
    try testing.expectEqual(@as(?i128, (1 << 40) + 5), intValue(&longBytes(2, &.{ 5, 1024 }), 24, false, 16));
    try testing.expectEqual(@as(?i128, 0), intValue(&longBytes(1, &.{}), 24, true, 16)); // tag 1: zero
    try testing.expectEqual(@as(?i128, 42), intValue(&longBytes(1 << 3, &.{42}), 24, true, 16));
    try testing.expectEqual(@as(?i128, -42), intValue(&longBytes(1 << 3 | 2, &.{42}), 24, true, 16));
    try testing.expectEqual(@as(?i128, null), intValue(&longBytes(5 << 3, &.{ 1, 2, 3, 4 }), 24, true, 16));
}

test "float, str and bytes reprs" {
    var buffer: [repr_bytes_max]u8 = undefined;
    try testing.expectEqualStrings("1.5", formatFloat(1.5, &buffer));
    try testing.expectEqualStrings("3.0", formatFloat(3.0, &buffer));
    try testing.expectEqualStrings("-inf", formatFloat(-std.math.inf(f64), &buffer));
    try testing.expectEqualStrings("'it\\'s\\n'", quoteStr("it's\n", 5, &buffer));
    try testing.expectEqualStrings("'caf\u{e9}'", quoteStr("caf\u{e9}", 4, &buffer));
    try testing.expectEqualStrings("'abc'... (100 chars)", quoteStr("abc", 100, &buffer));
    try testing.expectEqualStrings("b'ab\\x00\\''", quoteBytes("ab\x00'", 4, &buffer));
    try testing.expectEqualStrings("b'a'... (9 bytes)", quoteBytes("a", 9, &buffer));
}
