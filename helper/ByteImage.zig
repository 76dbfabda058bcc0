//! A memory source over byte images built in memory: the second implementation of the memory
//! interface (`memory.zig`), so that unit tests can hand the walk a target's frames, thread
//! states and code objects laid out at chosen addresses. Reads have the process source's
//! semantics: in order, stopping at the first segment not wholly inside one region.

const std = @import("std");
const memory_interface = @import("memory.zig");

const ByteImage = @This();

pub const Error = memory_interface.Error;
pub const Segment = memory_interface.Segment;

/// One mapped range of the image.
pub const Region = struct { address: u64, bytes: []const u8 };

regions: []const Region,
/// `readSegments` calls so far (a test's stand-in for system calls).
reads: u64 = 0,

pub fn readSegments(image: *ByteImage, segments: []const Segment) Error!usize {
    image.reads += 1;
    var total: usize = 0;
    for (memory_interface.readablePrefix(segments)) |segment| {
        const bytes = image.find(segment.address, segment.buffer.len) orelse break;
        @memcpy(segment.buffer, bytes);
        total += segment.buffer.len;
    }
    if (total == 0 and segments.len > 0 and segments[0].buffer.len > 0) return error.Unmapped;
    return total;
}

pub fn read(image: *ByteImage, address: u64, buffer: []u8) Error!void {
    return memory_interface.read(image, address, buffer);
}

pub fn readValue(image: *ByteImage, comptime T: type, address: u64) Error!T {
    return memory_interface.readValue(image, T, address);
}

/// The `len` bytes at `address`, if one region holds them all.
fn find(image: *const ByteImage, address: u64, len: usize) ?[]const u8 {
    for (image.regions) |region| {
        if (address < region.address) continue;
        const from = address - region.address;
        if (from + len > region.bytes.len) continue;
        return region.bytes[@intCast(from)..][0..len];
    }
    return null;
}

test "reads stop at the first segment outside every region" {
    const a: [16]u8 = @splat(0xaa);
    const b: [8]u8 = @splat(0xbb);
    var image: ByteImage = .{ .regions = &.{ .{ .address = 0x1000, .bytes = &a }, .{ .address = 0x2000, .bytes = &b } } };
    var first: [8]u8 = undefined;
    var second: [8]u8 = undefined;
    var third: [8]u8 = undefined;
    const segments = [_]Segment{
        .{ .address = 0x1008, .buffer = &first },
        .{ .address = 0x2000, .buffer = &second },
        .{ .address = 0x2004, .buffer = &third },
    };
    try std.testing.expectEqual(@as(usize, 16), try image.readSegments(&segments));
    try std.testing.expectEqual(@as(u8, 0xbb), second[7]);
    try std.testing.expectError(error.Unmapped, image.read(0x3000, &first));
    try std.testing.expectEqual(@as(u64, 0xaaaaaaaaaaaaaaaa), try image.readValue(u64, 0x1000));
}
