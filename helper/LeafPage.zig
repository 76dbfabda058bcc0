//! What the sampler remembers about one thread between its samples (one slot of
//! `thread_read.zig`'s table): the pages and code objects its recent walks used, read again in
//! the same system call as its thread state, plus its `pthread_t` and code generation.

const std = @import("std");
const limits = @import("limits.zig");

const LeafPage = @This();

tstate: u64,
/// The tick this thread was last read in.
last_tick: u64 = 0,
/// The pages this thread's recent walks read frames from (data-stack pages, C-stack entry
/// frames, frame objects before 3.11), each with the walk that last used it: read again in
/// the same system call as the thread state, so that in steady state a walk finds every
/// frame already fetched. A page unused for `limits.hot_page_walks` walks is dropped; when
/// the set is full the least recently used page makes room. Before 3.11 frame objects are
/// scattered on the heap and a fast leaf is freed within microseconds, so reading its page
/// at once also saves re-reads. Only the part of a page the walks used since it became hot
/// is read (`hot_lo`..`hot_hi`, widened by `limits.hot_part_margin_bytes`): fewer bytes of
/// memory the target is writing on another CPU.
hot: [limits.hot_frame_pages]u64 = @splat(0),
hot_walk: [limits.hot_frame_pages]u32 = @splat(0),
hot_lo: [limits.hot_frame_pages]u16 = @splat(0),
hot_hi: [limits.hot_frame_pages]u16 = @splat(0),
hot_count: u8 = 0,
/// Walks of this thread so far (wrapping).
walks: u32 = 0,
/// The code objects of the recent walks, each with the walk that last used it: their headers
/// are read in the same system call too, after the frame pages (so never older than the
/// frames that name them). Like the pages, a code unused for `limits.hot_page_walks` walks
/// is dropped, so that a program alternating between two phases (and stacks) finds the
/// headers of both prefetched.
codes: [limits.hot_codes_max]u64 = @splat(0),
code_walk: [limits.hot_codes_max]u32 = @splat(0),
code_count: u8 = 0,
/// 3.8-3.10: the thread's `pthread_t` at its previous sample; its tid field is read in the
/// same system call as the thread state.
pthread: u64 = 0,
/// 3.14+: the code generation at this thread's previous read, and whether it had moved since
/// the read before: a program that keeps freeing code objects gets its headers prefetched.
generation: u64 = 0,
generation_moved: bool = true,
/// The index of the page `addHot` saw last: consecutive frames mostly share a page.
last_hot: u8 = 0,

/// Starts a walk: forgets the pages no recent walk used.
pub fn beginWalk(slot: *LeafPage) void {
    slot.walks +%= 1;
    var kept: u8 = 0;
    for (0..slot.hot_count) |i| {
        if (slot.walks -% slot.hot_walk[i] > limits.hot_page_walks) continue;
        slot.hot[kept] = slot.hot[i];
        slot.hot_walk[kept] = slot.hot_walk[i];
        slot.hot_lo[kept] = slot.hot_lo[i];
        slot.hot_hi[kept] = slot.hot_hi[i];
        kept += 1;
    }
    slot.hot_count = kept;
    slot.last_hot = 0;
    var codes_kept: u8 = 0;
    for (0..slot.code_count) |i| {
        if (slot.walks -% slot.code_walk[i] > limits.hot_page_walks) continue;
        slot.codes[codes_kept] = slot.codes[i];
        slot.code_walk[codes_kept] = slot.code_walk[i];
        codes_kept += 1;
    }
    slot.code_count = codes_kept;
}

/// Marks the code objects of this walk as recent.
pub fn addCodes(slot: *LeafPage, codes: []const u64) void {
    for (codes) |code| {
        const claimed = claimRecent(&slot.codes, &slot.code_walk, &slot.code_count, code, slot.walks) orelse return;
        slot.code_walk[claimed.index] = slot.walks;
    }
}

/// Marks the `len` bytes at `address` (one or two pages) as used by this walk.
pub fn addHotSpan(slot: *LeafPage, address: u64, len: u64) void {
    const page_bytes = limits.page_bytes;
    const from = address % page_bytes;
    slot.addHot(address - from, from, @min(page_bytes, from + len));
    if (from + len > page_bytes) slot.addHot(address - from +% page_bytes, 0, @min(page_bytes, from + len - page_bytes));
}

fn addHot(slot: *LeafPage, page: u64, from: u64, to: u64) void {
    // A torn read's small "address": no frame lives in the first page.
    if (page == 0) return;
    const index: usize = if (slot.last_hot < slot.hot_count and slot.hot[slot.last_hot] == page)
        slot.last_hot
    else claim: {
        const claimed = claimRecent(&slot.hot, &slot.hot_walk, &slot.hot_count, page, slot.walks) orelse return;
        if (claimed.new) {
            slot.hot_lo[claimed.index] = @intCast(from);
            slot.hot_hi[claimed.index] = @intCast(to);
        }
        break :claim claimed.index;
    };
    slot.hot_lo[index] = @min(slot.hot_lo[index], @as(u16, @intCast(from)));
    slot.hot_hi[index] = @max(slot.hot_hi[index], @as(u16, @intCast(to)));
    slot.hot_walk[index] = slot.walks;
    slot.last_hot = @intCast(index);
}

/// The index of `key` among `keys[0..count]`, else a slot for it: a free one, or the least
/// recently used (by `used`, the walk that last used each), unless every key was used by
/// walk `this_walk` (then null). A new key is stored; `new` says so.
fn claimRecent(keys: []u64, used: []const u32, count: *u8, key: u64, this_walk: u32) ?struct { index: usize, new: bool } {
    if (std.mem.findScalar(u64, keys[0..count.*], key)) |found| return .{ .index = found, .new = false };
    const index: usize = if (count.* < keys.len) free: {
        count.* += 1;
        break :free count.* - 1;
    } else full: {
        const oldest = std.mem.indexOfMin(u32, used);
        if (used[oldest] == this_walk) return null;
        break :full oldest;
    };
    keys[index] = key;
    return .{ .index = index, .new = true };
}

/// The bytes of hot page `index` to read: its used part, widened by the margin (the stack
/// grows upwards: deeper calls land just above the leaf).
pub fn hotPart(slot: *const LeafPage, index: usize) struct { from: usize, to: usize } {
    const margin = limits.hot_part_margin_bytes;
    return .{
        .from = (slot.hot_lo[index] -| margin / 4) & ~@as(usize, 63),
        .to = @min(limits.page_bytes, std.mem.alignForward(usize, @as(usize, slot.hot_hi[index]) + margin, 64)),
    };
}
