//! Buffered stdout for the message stream.
//!
//! Messages are encoded straight into one fixed buffer (allocated at start-up). The buffer is
//! written out between ticks when its oldest message has waited `limits.output_latency_ns_max`
//! or it holds `limits.output_flush_bytes` (less than a pipe holds, so that a write does not wait
//! for the reader), when it is half full, and at the end: the orchestrator sees samples promptly
//! without one `write` per message. A reader that went away (EPIPE; SIGPIPE is ignored by
//! `main.zig`) surfaces as `error.OutputClosed`.

const std = @import("std");
const os = @import("os.zig");
const assert = std.debug.assert;
const limits = @import("limits.zig");
const wire = @import("wire.zig");

const Output = @This();

pub const Error = error{OutputClosed};

fd: os.Fd,
encoder: wire.Encoder,
/// Monotonic time at which the oldest unflushed message was added.
oldest_unflushed_ns: u64 = 0,

pub fn init(fd: os.Fd, buffer: []u8) Output {
    assert(buffer.len >= limits.output_bytes);
    return .{ .fd = fd, .encoder = .{ .buffer = buffer } };
}

/// Returns the encoder for one message of at most `bytes_max` bytes, added at `now_ns`.
pub fn begin(out: *Output, now_ns: u64, bytes_max: usize) Error!*wire.Encoder {
    assert(bytes_max <= limits.message_bytes_max);
    if (out.encoder.buffer.len - out.encoder.len < bytes_max) try out.flush();
    if (out.encoder.len == 0) out.oldest_unflushed_ns = now_ns;
    return &out.encoder;
}

/// Ends a message: writes the buffer out if it is half full.
pub fn end(out: *Output) Error!void {
    if (out.encoder.len >= out.encoder.buffer.len / 2) try out.flush();
}

/// Writes the buffer out if its oldest message is due by `deadline_ns`, or it holds
/// `limits.output_flush_bytes`.
pub fn flushIfDue(out: *Output, deadline_ns: u64) Error!void {
    if (out.encoder.len == 0) return;
    if (out.encoder.len >= limits.output_flush_bytes or deadline_ns -| out.oldest_unflushed_ns >= limits.output_latency_ns_max) try out.flush();
}

pub fn flush(out: *Output) Error!void {
    const bytes = out.encoder.buffer[0..out.encoder.len];
    var written: usize = 0;
    // Each iteration writes at least one byte or waits for the pipe to drain.
    while (written < bytes.len) {
        written += os.files.write(out.fd, bytes[written..]) catch |err| switch (err) {
            error.Interrupted => 0,
            error.WouldBlock => wait: {
                os.files.waitWritable(out.fd);
                break :wait 0;
            },
            error.Closed => return error.OutputClosed,
        };
    }
    out.encoder.len = 0;
}
