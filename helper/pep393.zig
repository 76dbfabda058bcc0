//! Decoding of CPython `str` objects (PEP 393) into UTF-8. Pure: `CodeCache.zig` reads the
//! object header and the characters from the target, this file interprets them.
//!
//! A compact string stores its characters right after its header, as latin-1 (kind 1), UCS-2
//! (kind 2) or UCS-4 (kind 4); ASCII strings use the shorter `PyASCIIObject` header. Legacy
//! (non-compact) strings keep their characters elsewhere and are reported as unreadable.

const std = @import("std");

/// The fields of the `state` word on GIL builds: kind at bits 2-4, compact at 5, ascii at 6.
pub const State = struct {
    kind: u3,
    compact: bool,
    ascii: bool,

    pub fn decode(state: u32) State {
        return .{
            .kind = @truncate(state >> 2),
            .compact = (state >> 5) & 1 == 1,
            .ascii = (state >> 6) & 1 == 1,
        };
    }

    /// Bytes per character, or null for a kind that cannot occur in a valid string.
    pub fn charBytes(state: State) ?u3 {
        return switch (state.kind) {
            1, 2, 4 => state.kind,
            else => null,
        };
    }
};

/// Converts `length` characters of `kind` bytes each (little-endian) to UTF-8 in `out`.
/// Returns the UTF-8 bytes, or null if a character is not a valid code point. `out` must hold
/// 4 bytes per character.
pub fn toUtf8(kind: u3, chars: []const u8, out: []u8) ?[]const u8 {
    std.debug.assert(chars.len % kind == 0);
    std.debug.assert(out.len >= chars.len / kind * 4);
    var written: usize = 0;
    var at: usize = 0;
    while (at < chars.len) : (at += kind) {
        const code_point: u32 = switch (kind) {
            1 => chars[at],
            2 => std.mem.readInt(u16, chars[at..][0..2], .little),
            4 => std.mem.readInt(u32, chars[at..][0..4], .little),
            else => return null,
        };
        // Lone surrogates are legal in a Python str; write them as U+FFFD.
        const valid: u21 = if (code_point > 0x10ffff) return null else if (code_point >= 0xd800 and code_point < 0xe000) 0xfffd else @intCast(code_point);
        written += std.unicode.utf8Encode(valid, out[written..]) catch unreachable;
    }
    return out[0..written];
}

const testing = std.testing;

test "state bits" {
    // An interned compact ASCII string: interned 1, kind 1, compact, ascii.
    const ascii = State.decode(1 | 1 << 2 | 1 << 5 | 1 << 6);
    try testing.expectEqual(@as(u3, 1), ascii.kind);
    try testing.expect(ascii.compact and ascii.ascii);
    const cyrillic = State.decode(2 << 2 | 1 << 5);
    try testing.expectEqual(@as(?u3, 2), cyrillic.charBytes());
    try testing.expect(cyrillic.compact and !cyrillic.ascii);
    try testing.expectEqual(@as(?u3, null), State.decode(3 << 2).charBytes());
}

test "latin-1, UCS-2 and UCS-4 become UTF-8" {
    var out: [64]u8 = undefined;
    try testing.expectEqualStrings("caf\u{e9}", toUtf8(1, "caf\xe9", &out).?);
    const privet = [_]u8{ 0x3f, 0x04, 0x40, 0x04, 0x38, 0x04 }; // "при"
    try testing.expectEqualStrings("при", toUtf8(2, &privet, &out).?);
    const emoji = [_]u8{ 0x0d, 0xf6, 0x01, 0x00, 'x', 0, 0, 0 }; // U+1F60D then 'x'
    try testing.expectEqualStrings("\u{1f60d}x", toUtf8(4, &emoji, &out).?);
    const lone_surrogate = [_]u8{ 0x00, 0xd8 };
    try testing.expectEqualStrings("\u{fffd}", toUtf8(2, &lone_surrogate, &out).?);
    const too_large = [_]u8{ 0, 0, 0x11, 0 };
    try testing.expectEqual(@as(?[]const u8, null), toUtf8(4, &too_large, &out));
}
