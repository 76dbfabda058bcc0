//! The distinct code addresses of one stack, in first-seen order, with an index from address
//! to position, and the id, size and first traceable instruction the walk found for each.
//! Open addressing with generation stamps, so clearing is O(1).

const std = @import("std");
const assert = std.debug.assert;
const limits = @import("limits.zig");

const DistinctCodes = @This();

const slot_count = 2 * limits.stack_depth_max;
slot_keys: []u64,
slot_generations: []u32,
slot_indexes: []u16,
generation: u32 = 0,
list: []u64,
ids: []u32,
size_units: []u64,
first_traceable: []u32,
count: usize = 0,

pub fn init(gpa: std.mem.Allocator) std.mem.Allocator.Error!DistinctCodes {
    const generations = try gpa.alloc(u32, slot_count);
    @memset(generations, 0);
    return .{
        .slot_keys = try gpa.alloc(u64, slot_count),
        .slot_generations = generations,
        .slot_indexes = try gpa.alloc(u16, slot_count),
        .list = try gpa.alloc(u64, limits.stack_depth_max),
        .ids = try gpa.alloc(u32, limits.stack_depth_max),
        .size_units = try gpa.alloc(u64, limits.stack_depth_max),
        .first_traceable = try gpa.alloc(u32, limits.stack_depth_max),
    };
}

pub fn clear(set: *DistinctCodes) void {
    set.generation +%= 1;
    if (set.generation == 0) {
        @memset(set.slot_generations, 0);
        set.generation = 1;
    }
    set.count = 0;
}

/// Position of `address`, adding it if new. At most `stack_depth_max` addresses per clear.
pub fn indexOf(set: *DistinctCodes, address: u64) usize {
    var slot: usize = @intCast((address >> 4) *% 0x9e3779b97f4a7c15 >> 51);
    // The table is at most half full, so a free slot or the key is always found.
    while (true) : (slot = (slot + 1) % slot_count) {
        if (set.slot_generations[slot] != set.generation) {
            assert(set.count < set.list.len);
            set.slot_generations[slot] = set.generation;
            set.slot_keys[slot] = address;
            set.slot_indexes[slot] = @intCast(set.count);
            set.list[set.count] = address;
            set.count += 1;
            return set.count - 1;
        }
        if (set.slot_keys[slot] == address) return set.slot_indexes[slot];
    }
}

pub fn addresses(set: *const DistinctCodes) []const u64 {
    return set.list[0..set.count];
}

comptime {
    assert(slot_count == 1 << 13); // `indexOf` hashes to 13 bits.
}

test "distinct codes keep first-seen order" {
    var arena = std.heap.ArenaAllocator.init(std.testing.allocator);
    defer arena.deinit();
    var set = try DistinctCodes.init(arena.allocator());
    set.clear();
    try std.testing.expectEqual(@as(usize, 0), set.indexOf(0x7000));
    try std.testing.expectEqual(@as(usize, 1), set.indexOf(0x8000));
    try std.testing.expectEqual(@as(usize, 0), set.indexOf(0x7000));
    try std.testing.expectEqualSlices(u64, &.{ 0x7000, 0x8000 }, set.addresses());
    set.clear();
    try std.testing.expectEqual(@as(usize, 0), set.indexOf(0x8000));
}
