//! A per-snapshot cache of target pages for reading frames cheaply.
//!
//! Interpreter frames live in the thread's data-stack chunks, callers below callees. When a
//! frame's page is missing, one `process_vm_readv` fetches that page and the pages just below
//! it (`limits.frame_read_ahead_pages`), each into its own slot: the kernel stops at the first
//! unreadable page, so one call usually brings in the frame and many of its callers. Slots are
//! direct-mapped by page number. A slot may hold only part of its page (`planPart`: the bytes a
//! thread's recent walks used); a view outside that part is a miss. `reset` starts a fresh
//! snapshot for each thread read, so a retry never mixes stale pages with new ones.

const std = @import("std");
const assert = std.debug.assert;
const limits = @import("limits.zig");
const RemoteMemory = @import("RemoteMemory.zig");
const os = @import("os.zig");

const FrameCache = @This();

const page_bytes = limits.page_bytes;
const slot_count = limits.frame_cache_pages;
const empty: u64 = std.math.maxInt(u64);

pages: *[slot_count][page_bytes]u8,
/// Address of the page held by each slot, valid when the slot's generation is the cache's.
tags: [slot_count]u64 = @splat(empty),
/// The bytes of each slot's page that were read: [lo, hi).
lo: [slot_count]u16 = @splat(0),
hi: [slot_count]u16 = @splat(0),
/// Bumped by `reset`, so that starting a snapshot touches no slot.
generations: [slot_count]u32 = @splat(0),
generation: u32 = 1,
/// System calls issued, for tests and tuning.
reads: u64 = 0,
/// Pages one miss fetches: the page and the ones below it.
read_ahead_pages: usize,
/// Where `view` assembles bytes that straddle two pages.
straddle: [view_bytes_max]u8 = @splat(0),

/// The most bytes one `view` returns (a frame's fields the walk needs).
pub const view_bytes_max = 256;

/// `read_ahead_pages`: pages fetched per miss, at most `limits.frame_read_ahead_pages` (1 where
/// frames are not laid out callers below callees).
pub fn init(pages: *[slot_count][page_bytes]u8, read_ahead_pages: usize) FrameCache {
    assert(read_ahead_pages >= 1 and read_ahead_pages <= limits.frame_read_ahead_pages);
    return .{ .pages = pages, .read_ahead_pages = read_ahead_pages };
}

pub fn reset(cache: *FrameCache) void {
    cache.generation +%= 1;
    if (cache.generation == 0) {
        @memset(&cache.generations, 0);
        cache.generation = 1;
    }
}

/// Whether bytes [from, to) of the page at `page_address` are cached.
fn holds(cache: *const FrameCache, page_address: u64, from: usize, to: usize) bool {
    const slot = slotOf(page_address);
    return cache.generations[slot] == cache.generation and cache.tags[slot] == page_address and
        cache.lo[slot] <= from and to <= cache.hi[slot];
}

fn drop(cache: *FrameCache, page_address: u64) void {
    cache.tags[slotOf(page_address)] = empty;
}

/// Copies `out.len` bytes at `address` (at most one page, possibly straddling two).
pub fn read(cache: *FrameCache, memory: anytype, address: u64, out: []u8) RemoteMemory.Error!void {
    assert(out.len <= page_bytes);
    var copied: usize = 0;
    // At most two iterations: `out` spans at most two pages.
    while (copied < out.len) {
        const at = address +% copied;
        const in_page: usize = @intCast(at % page_bytes);
        const count = @min(out.len - copied, page_bytes - in_page);
        const cached = try cache.fetch(memory, at - in_page, cache.read_ahead_pages, in_page, in_page + count);
        @memcpy(out[copied..][0..count], cached[in_page..][0..count]);
        copied += count;
    }
}

/// The `len` bytes at `address`, without copying when they lie in one page: a slice of the
/// cached page, valid until the next call on this cache. `read_ahead`: on a miss, also fetch
/// the pages below (the walk is going down a run of frames); else that page alone (a frame
/// on its own, like a C-stack entry frame).
pub fn view(cache: *FrameCache, memory: anytype, address: u64, len: usize, read_ahead: bool) RemoteMemory.Error![]const u8 {
    assert(len <= view_bytes_max);
    const in_page: usize = @intCast(address % page_bytes);
    if (in_page + len > page_bytes) {
        try cache.read(memory, address, cache.straddle[0..len]);
        return cache.straddle[0..len];
    }
    const page = try cache.fetch(memory, address - in_page, if (read_ahead) cache.read_ahead_pages else 1, in_page, in_page + len);
    return page[in_page..][0..len];
}

/// The page at `page_address`, of which bytes [from, to) are needed: from the cache, else read
/// whole with `pages - 1` pages below it.
fn fetch(cache: *FrameCache, memory: anytype, page_address: u64, pages: usize, from: usize, to: usize) RemoteMemory.Error!*const [page_bytes]u8 {
    const slot = slotOf(page_address);
    if (cache.holds(page_address, from, to)) return &cache.pages[slot];

    var segments: [limits.frame_read_ahead_pages]RemoteMemory.Segment = undefined;
    const count = cache.plan(page_address, segments[0..pages]);
    cache.reads += 1;
    if (cache.commit(segments[0..count], try memory.readSegments(segments[0..count])) == 0) return error.Unmapped;
    return &cache.pages[slot];
}

/// Plans the read-ahead for `page_address`: that page first, then the pages below it (where
/// the callers' frames are) down to the first one already cached, into `segments`; returns
/// how many. The planned slots are emptied until `commit` says which pages arrived. Callers
/// may put the segments into a larger read.
pub fn plan(cache: *FrameCache, page_address: u64, segments: []RemoteMemory.Segment) usize {
    assert(page_address % page_bytes == 0);
    var count: usize = 0;
    var address = page_address;
    while (count < @min(segments.len, cache.read_ahead_pages)) : (count += 1) {
        // A frame straddling into the page above a cached run needs that page alone.
        if (count > 0 and cache.holds(address, 0, page_bytes)) break;
        segments[count] = .{ .address = address, .buffer = &cache.pages[slotOf(address)] };
        cache.drop(address);
        if (address < page_bytes) {
            count += 1;
            break;
        }
        address -= page_bytes;
    }
    return count;
}

/// Plans the read of bytes [from, to) of the page at `page_address` alone into `segment`
/// (the part of a page that recent walks used); the slot is emptied until `commit`.
pub fn planPart(cache: *FrameCache, page_address: u64, from: usize, to: usize, segment: *RemoteMemory.Segment) void {
    assert(page_address % page_bytes == 0 and from < to and to <= page_bytes);
    segment.* = .{ .address = page_address + from, .buffer = cache.pages[slotOf(page_address)][from..to] };
    cache.drop(page_address);
}

/// Marks the planned `segments` that arrived whole in the `bytes_read` a read returned as cached
/// (the kernel stops at the first unreadable byte, so they come first; bytes past the segments,
/// read for other segments of the same call, are ignored). Returns how many.
pub fn commit(cache: *FrameCache, segments: []const RemoteMemory.Segment, bytes_read: usize) usize {
    var bytes_left = bytes_read;
    var whole: usize = 0;
    for (segments) |segment| {
        if (bytes_left < segment.buffer.len) break;
        bytes_left -= segment.buffer.len;
        whole += 1;
    }
    for (segments[0..whole]) |segment| {
        const slot = slotOf(segment.address);
        const from: usize = @intCast(segment.address % page_bytes);
        assert(from + segment.buffer.len <= page_bytes);
        cache.tags[slot] = segment.address - from;
        cache.lo[slot] = @intCast(from);
        cache.hi[slot] = @intCast(from + segment.buffer.len);
        cache.generations[slot] = cache.generation;
    }
    return whole;
}

fn slotOf(page_address: u64) usize {
    return @intCast((page_address / page_bytes) % slot_count);
}

test "one read brings in the frame's page and the pages below it" {
    // A fake data stack: 16 pages of this process, each page filled with its index.
    const stack = try std.testing.allocator.alignedAlloc(u8, .fromByteUnits(page_bytes), 16 * page_bytes);
    defer std.testing.allocator.free(stack);
    for (0..16) |i| @memset(stack[i * page_bytes ..][0..page_bytes], @intCast(i));

    const pages = try std.testing.allocator.create([slot_count][page_bytes]u8);
    defer std.testing.allocator.destroy(pages);
    var cache = FrameCache.init(pages, limits.frame_read_ahead_pages);
    const memory: RemoteMemory = .{ .pid = os.process.selfPid() };
    const base = @intFromPtr(stack.ptr);

    var bytes: [80]u8 = undefined;
    try cache.read(memory, base + 12 * page_bytes + 100, &bytes);
    try std.testing.expectEqual(@as(u8, 12), bytes[0]);
    try std.testing.expectEqual(@as(u64, 1), cache.reads);
    // Callers below, within the read-ahead window, cost nothing more.
    try cache.read(memory, base + (12 - limits.frame_read_ahead_pages + 1) * page_bytes, &bytes);
    try std.testing.expectEqual(@as(u64, 1), cache.reads);
    // A frame straddling two pages gets the bytes of both.
    try cache.read(memory, base + 11 * page_bytes - 40, &bytes);
    try std.testing.expectEqual(@as(u8, 10), bytes[0]);
    try std.testing.expectEqual(@as(u8, 11), bytes[79]);
    const straddling = try cache.view(memory, base + 11 * page_bytes - 40, 80, true);
    try std.testing.expectEqual(@as(u8, 10), straddling[0]);
    try std.testing.expectEqual(@as(u8, 11), straddling[79]);
    const within = try cache.view(memory, base + 10 * page_bytes + 8, 80, true);
    try std.testing.expectEqual(@as(u8, 10), within[79]);
    try std.testing.expectEqual(@as(u64, 1), cache.reads);

    cache.reset();
    try cache.read(memory, base + 12 * page_bytes, &bytes);
    try std.testing.expectEqual(@as(u64, 2), cache.reads);
}

test "a page read in part serves views inside the part; a view outside it reads the page" {
    const stack = try std.testing.allocator.alignedAlloc(u8, .fromByteUnits(page_bytes), 4 * page_bytes);
    defer std.testing.allocator.free(stack);
    for (0..4 * page_bytes) |i| stack[i] = @truncate(i / 64);

    const pages = try std.testing.allocator.create([slot_count][page_bytes]u8);
    defer std.testing.allocator.destroy(pages);
    @memset(std.mem.asBytes(pages), 0xee);
    var cache = FrameCache.init(pages, limits.frame_read_ahead_pages);
    const memory: RemoteMemory = .{ .pid = os.process.selfPid() };
    const page = @intFromPtr(stack.ptr) + 2 * page_bytes;

    var segments: [1]RemoteMemory.Segment = undefined;
    cache.planPart(page, 1024, 2048, &segments[0]);
    try std.testing.expectEqual(@as(usize, 1024), try memory.readSegments(&segments));
    try std.testing.expectEqual(@as(usize, 1), cache.commit(&segments, 1024));

    // Inside the part: no system call.
    const inside = try cache.view(memory, page + 1024 + 64, 80, true);
    try std.testing.expectEqual(@as(u8, @truncate((2 * page_bytes + 1024 + 64) / 64)), inside[0]);
    try std.testing.expectEqual(@as(u64, 0), cache.reads);
    // Ending past the part: the whole page is read, and then serves everything.
    const across = try cache.view(memory, page + 2048 - 8, 16, true);
    try std.testing.expectEqual(@as(u8, @truncate((2 * page_bytes + 2048) / 64)), across[8]);
    try std.testing.expectEqual(@as(u64, 1), cache.reads);
    const start = try cache.view(memory, page, 8, true);
    try std.testing.expectEqual(@as(u8, @truncate((2 * page_bytes) / 64)), start[0]);
    try std.testing.expectEqual(@as(u64, 1), cache.reads);

    // A page below a part-read one: read-ahead does not stop at a page held only in part.
    cache.reset();
    cache.planPart(page - page_bytes, 0, 64, &segments[0]);
    try std.testing.expectEqual(@as(usize, 1), cache.commit(&segments, try memory.readSegments(&segments)));
    _ = try cache.view(memory, page + 8, 8, true);
    try std.testing.expectEqual(@as(u64, 2), cache.reads);
    const below = try cache.view(memory, page - page_bytes + 2048, 8, true);
    try std.testing.expectEqual(@as(u8, @truncate((page_bytes + 2048) / 64)), below[0]);
    try std.testing.expectEqual(@as(u64, 2), cache.reads);
}
