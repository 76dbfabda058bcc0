//! The memory-reading interface the walk reads the target through. A memory source is any type
//! with `readSegments(source, segments: []const Segment) Error!usize`: it reads the segments in
//! order, stopping at the first that cannot be read in full, and returns the bytes read (the
//! segments before that point are complete). Two sources exist: `RemoteMemory` (the target
//! process, through `os.zig`) and `ByteImage` (an image built in memory, for tests). `read` and
//! `readValue` are written once here, over any source.

const std = @import("std");

pub const Error = error{
    /// The target exited (or is exiting).
    ProcessGone,
    /// This user may not read the target.
    PermissionDenied,
    /// The address range is not (or no longer) mapped in the target.
    Unmapped,
};

/// One remote range and the local buffer it is copied into.
pub const Segment = struct {
    address: u64,
    buffer: []u8,
};

/// Reads exactly `buffer.len` bytes at `address`.
pub fn read(source: anytype, address: u64, buffer: []u8) Error!void {
    if (address == 0) return error.Unmapped;
    const segments = [_]Segment{.{ .address = address, .buffer = buffer }};
    if (try source.readSegments(&segments) != buffer.len) return error.Unmapped;
}

/// Reads one little-endian value of type `T` at `address`.
pub fn readValue(source: anytype, comptime T: type, address: u64) Error!T {
    var bytes: [@sizeOf(T)]u8 = undefined;
    try read(source, address, &bytes);
    return std.mem.readInt(T, &bytes, .little);
}

/// The little-endian u64 at `offset` of bytes already copied from the target (a struct read in
/// one go, then picked apart field by field).
pub fn wordAt(bytes: []const u8, offset: u64) u64 {
    return std.mem.readInt(u64, bytes[@intCast(offset)..][0..8], .little);
}

/// The segments before the first at address 0: address 0 is never mapped (and is no valid
/// iovec base), so a read stops there as it would at any unreadable segment. Torn reads hand
/// out such addresses.
pub fn readablePrefix(segments: []const Segment) []const Segment {
    for (segments, 0..) |segment, i| if (segment.address == 0) return segments[0..i];
    return segments;
}
