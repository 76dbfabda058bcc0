//! The CPython version as written in the binary: `PY_VERSION` ("3.9.18", "3.15.0b4") is a
//! string literal of every build, kept for `sys.version`. Runtimes without the `Py_Version`
//! symbol (before 3.11, or stripped) still carry it, which gives the micro level that a file
//! name such as `libpython3.9.so` lacks. Linkers merge string tails, so the literal may end a
//! longer string ("…/Python-3.8.18"): a match is the text after a byte that is neither a digit
//! nor a dot, up to a NUL. Other libraries linked in may carry "3.x.y" strings of their own
//! (Unicode 3.2.0 in unicodedata), so only minors CPython has here count, and all matches must
//! agree.
const std = @import("std");
const limits = @import("limits.zig");

/// Minors that can be CPython 3 versions Tachyon knows of (3.6 to 3.15; later ones are refused
/// elsewhere with their version named, so they are allowed here too).
const minor_min = 6;
const minor_max = 30;

pub const Scan = struct {
    /// `PY_VERSION_HEX` of the first match, or null.
    hex: ?u32 = null,
    /// Set when two matches disagree: then the binary does not say.
    conflict: bool = false,

    /// Feeds a block of bytes; matches that straddle blocks are found if callers overlap
    /// consecutive blocks by `overlap_bytes`.
    pub fn feed(scan: *Scan, bytes: []const u8) void {
        var i: usize = 0;
        while (i + 6 <= bytes.len) : (i += 1) {
            if (bytes[i] != '3' or bytes[i + 1] != '.') continue;
            if (i > 0 and (std.ascii.isDigit(bytes[i - 1]) or bytes[i - 1] == '.')) continue;
            const hex = parse(bytes[i..]) orelse continue;
            if (scan.hex) |seen| {
                if (seen != hex) scan.conflict = true;
            } else scan.hex = hex;
        }
    }

    pub fn result(scan: Scan) ?u32 {
        return if (scan.conflict) null else scan.hex;
    }
};

/// Longest text a match spans ("3.15.12rc12+" and its NUL).
pub const overlap_bytes = 16;

/// Parses "3.M.m[a|b|rcN][+]" followed by NUL at the start of `text`.
fn parse(text: []const u8) ?u32 {
    var at: usize = 2;
    const minor = number(text, &at) orelse return null;
    if (at >= text.len or text[at] != '.') return null;
    at += 1;
    const micro = number(text, &at) orelse return null;
    var level: u32 = 0xf;
    var serial: u32 = 0;
    if (at < text.len and (text[at] == 'a' or text[at] == 'b' or text[at] == 'r')) {
        const tag_len: usize = if (text[at] == 'r') 2 else 1;
        if (text[at] == 'r' and (at + 1 >= text.len or text[at + 1] != 'c')) return null;
        level = switch (text[at]) {
            'a' => 0xa,
            'b' => 0xb,
            else => 0xc,
        };
        at += tag_len;
        serial = number(text, &at) orelse return null;
        if (serial > 15) return null;
    }
    if (at < text.len and text[at] == '+') at += 1;
    if (at >= text.len or text[at] != 0) return null;
    if (minor < minor_min or minor > minor_max or micro > 99) return null;
    return (3 << 24) | (minor << 16) | (micro << 8) | (level << 4) | serial;
}

fn number(text: []const u8, at: *usize) ?u32 {
    var value: u32 = 0;
    var digits: usize = 0;
    while (at.* < text.len and std.ascii.isDigit(text[at.*]) and digits < 3) : (at.* += 1) {
        value = value * 10 + (text[at.*] - '0');
        digits += 1;
    }
    return if (digits == 0) null else value;
}

test "finds PY_VERSION alone or at the end of a merged string" {
    var scan: Scan = .{};
    scan.feed("\x00LC_ALL\x003.13.18\x00strict\x00");
    try std.testing.expectEqual(@as(?u32, 0x030d12f0), scan.result());

    var merged: Scan = .{};
    merged.feed("/tmp/build/Python-3.8.18\x00./Modules/getbuildinfo.c\x00");
    try std.testing.expectEqual(@as(?u32, 0x030812f0), merged.result());

    var pre: Scan = .{};
    pre.feed("\x003.15.0b4\x00");
    try std.testing.expectEqual(@as(?u32, 0x030f00b4), pre.result());
}

test "ignores paths, Unicode versions and disagreeing matches" {
    var scan: Scan = .{};
    scan.feed("/root/.pyenv/versions/3.8.18/lib\x00lib/python3.8\x00unidata_version\x003.2.0\x00v13.2.0\x00");
    try std.testing.expectEqual(@as(?u32, null), scan.result());

    var conflict: Scan = .{};
    conflict.feed("\x003.9.18\x00\x003.10.2\x00");
    try std.testing.expectEqual(@as(?u32, null), conflict.result());
}

comptime {
    std.debug.assert(overlap_bytes < limits.page_bytes);
}
