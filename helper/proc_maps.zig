//! Parsing of `/proc/PID/maps` text into mappings. Pure: the caller reads the file (see
//! `locate.zig`), this file only splits lines. Malformed lines are skipped, not fatal, because
//! the kernel's format is stable and a line we cannot read is one we do not need.

const std = @import("std");

pub const Mapping = struct {
    start: u64,
    end: u64,
    /// Offset in the mapped file of `start`.
    offset: u64,
    readable: bool,
    writable: bool,
    executable: bool,
    /// Device of the mapped file (`major:minor` in hexadecimal in the maps text).
    dev_major: u32,
    dev_minor: u32,
    /// 0 for anonymous mappings.
    inode: u64,
    /// As the kernel prints it, without a trailing " (deleted)"; empty for anonymous mappings.
    path: []const u8,

    pub fn isFileBacked(mapping: Mapping) bool {
        return mapping.inode != 0 and mapping.path.len > 0 and mapping.path[0] == '/';
    }

    pub fn basename(mapping: Mapping) []const u8 {
        const slash = std.mem.findScalarLast(u8, mapping.path, '/') orelse return mapping.path;
        return mapping.path[slash + 1 ..];
    }
};

pub const Iterator = struct {
    lines: std.mem.SplitIterator(u8, .scalar),

    pub fn init(text: []const u8) Iterator {
        return .{ .lines = std.mem.splitScalar(u8, text, '\n') };
    }

    /// Returns the next well-formed mapping; each call consumes at least one line.
    pub fn next(it: *Iterator) ?Mapping {
        while (it.lines.next()) |line| {
            if (parseLine(line)) |mapping| return mapping;
        }
        return null;
    }
};

/// Parses one line: `start-end perms offset dev inode [path]`.
pub fn parseLine(line: []const u8) ?Mapping {
    var fields = Fields{ .text = line };
    const range = fields.next() orelse return null;
    const perms = fields.next() orelse return null;
    const offset = fields.next() orelse return null;
    const device = fields.next() orelse return null;
    const inode = fields.next() orelse return null;

    const dash = std.mem.findScalar(u8, range, '-') orelse return null;
    const colon = std.mem.findScalar(u8, device, ':') orelse return null;
    if (perms.len < 4) return null;
    const deleted = " (deleted)";
    var path = fields.rest();
    if (std.mem.endsWith(u8, path, deleted)) path = path[0 .. path.len - deleted.len];
    return .{
        .start = std.fmt.parseInt(u64, range[0..dash], 16) catch return null,
        .end = std.fmt.parseInt(u64, range[dash + 1 ..], 16) catch return null,
        .offset = std.fmt.parseInt(u64, offset, 16) catch return null,
        .readable = perms[0] == 'r',
        .writable = perms[1] == 'w',
        .executable = perms[2] == 'x',
        .dev_major = std.fmt.parseInt(u32, device[0..colon], 16) catch return null,
        .dev_minor = std.fmt.parseInt(u32, device[colon + 1 ..], 16) catch return null,
        .inode = std.fmt.parseInt(u64, inode, 10) catch return null,
        .path = path,
    };
}

/// Space-separated fields, where the last one (the path) may itself contain spaces.
const Fields = struct {
    text: []const u8,
    position: usize = 0,

    fn next(fields: *Fields) ?[]const u8 {
        fields.skipSpaces();
        const start = fields.position;
        while (fields.position < fields.text.len and fields.text[fields.position] != ' ') fields.position += 1;
        if (fields.position == start) return null;
        return fields.text[start..fields.position];
    }

    fn rest(fields: *Fields) []const u8 {
        fields.skipSpaces();
        return fields.text[fields.position..];
    }

    fn skipSpaces(fields: *Fields) void {
        while (fields.position < fields.text.len and fields.text[fields.position] == ' ') fields.position += 1;
    }
};

const testing = std.testing;

test "parses file-backed, anonymous, deleted and spaced paths" {
    const text =
        \\00400000-00401000 r--p 00000000 08:01 1311 /usr/bin/python3.13
        \\00401000-00700000 r-xp 00001000 08:01 1311 /usr/bin/python3.13
        \\7f0000000000-7f0000021000 rw-p 00000000 00:00 0 
        \\7f0000100000-7f0000200000 rw-p 00020000 08:01 99 /opt/my lib/libpython3.14.so.1.0 (deleted)
        \\7f0000300000-7f0000301000 r--p 00000000 103:2 7 /a/three-digit/major
        \\7f0000400000-7f0000401000 r--p 00000000 0801 7 /a/device/without/colon
        \\garbage line
        \\7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
    ;
    var it = Iterator.init(text);

    const first = it.next().?;
    try testing.expectEqual(@as(u64, 0x400000), first.start);
    try testing.expectEqual(@as(u64, 0x401000), first.end);
    try testing.expect(first.readable and !first.writable and !first.executable);
    try testing.expectEqualStrings("python3.13", first.basename());
    try testing.expect(first.isFileBacked());

    const text_segment = it.next().?;
    try testing.expectEqual(@as(u64, 0x1000), text_segment.offset);
    try testing.expect(text_segment.executable);

    const anonymous = it.next().?;
    try testing.expect(!anonymous.isFileBacked());
    try testing.expectEqualStrings("", anonymous.path);

    const deleted = it.next().?;
    try testing.expectEqualStrings("/opt/my lib/libpython3.14.so.1.0", deleted.path);
    try testing.expectEqual(@as(u64, 0x20000), deleted.offset);
    try testing.expect(deleted.writable);
    try testing.expectEqual(@as(u64, 99), deleted.inode);
    try testing.expectEqual(@as(u32, 8), deleted.dev_major);
    try testing.expectEqual(@as(u32, 1), deleted.dev_minor);

    const wide = it.next().?;
    try testing.expectEqual(@as(u32, 0x103), wide.dev_major);
    try testing.expectEqual(@as(u32, 2), wide.dev_minor);

    const stack = it.next().?;
    try testing.expectEqualStrings("[stack]", stack.path);
    try testing.expect(!stack.isFileBacked());
    try testing.expectEqual(@as(?Mapping, null), it.next());
}
