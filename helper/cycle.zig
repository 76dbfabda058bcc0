//! Brent's cycle detector for the frame chain: O(1) memory, and it notices a loop in
//! `previous` pointers within a small multiple of the loop's length. A frame that points to
//! itself, or two frames pointing at each other, happens while the target pushes and pops
//! frames under the walker; such a stack is torn and must be re-read, never reported.

const std = @import("std");

pub const CycleDetector = struct {
    /// The node the walk is compared against; moved forward at each power of two.
    saved: u64 = 0,
    power: u64 = 1,
    steps: u64 = 0,

    /// Feeds the next node of the walk; returns true if it was seen before.
    pub fn step(detector: *CycleDetector, node: u64) bool {
        if (detector.steps > 0 and node == detector.saved) return true;
        detector.steps += 1;
        if (detector.steps == detector.power) {
            detector.saved = node;
            detector.power *= 2;
            detector.steps = 0;
        }
        return false;
    }
};

const testing = std.testing;

fn walkFindsCycle(next: []const usize, start: usize, steps_max: usize) bool {
    var detector: CycleDetector = .{};
    var node = start;
    for (0..steps_max) |_| {
        if (detector.step(node + 0x1000)) return true;
        if (next[node] == 0) return false;
        node = next[node];
    }
    return false;
}

test "a chain without a loop is accepted" {
    // 1 -> 2 -> 3 -> 4 -> end (0)
    try testing.expect(!walkFindsCycle(&.{ 0, 2, 3, 4, 0 }, 1, 100));
}

test "self loops, two-node loops and long loops are found" {
    try testing.expect(walkFindsCycle(&.{ 0, 1 }, 1, 100));
    try testing.expect(walkFindsCycle(&.{ 0, 2, 1 }, 1, 100));
    // 1 -> 2 -> ... -> 9 -> 5: a loop of five after a tail of four.
    try testing.expect(walkFindsCycle(&.{ 0, 2, 3, 4, 5, 6, 7, 8, 9, 5 }, 1, 100));
}
