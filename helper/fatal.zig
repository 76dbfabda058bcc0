//! Exit codes (the table in `docs/protocol.md`), the one-sentence diagnostic that goes with a
//! non-zero exit, and the helper's panic handler.
//!
//! Code that meets an operating failure (no such process, not Python, ...) records the exit
//! code and a message in a `Diagnostic` and returns `error.Fatal`; only `main.zig` prints the
//! message and exits. Expected races with the running target are not fatal: they become
//! `sample_failed` messages (see `Sampler.zig`).

const std = @import("std");
const os = @import("os.zig");

/// Process exit status. The TypeScript contract test parses this enum as text: keep one field
/// per line with an explicit value, named as in `docs/protocol.md`. A cause the orchestrator
/// also exits with has the orchestrator's number (`src/session/errors.ts` `ExitCode`: usage 2,
/// processNotFound 3, notPython 4, pythonUnsupported 5, permissionDenied 6); the helper's own
/// causes take the numbers after them.
pub const ExitCode = enum(u8) {
    ok = 0,
    usage = 2,
    process_not_found = 3,
    not_python = 4,
    python_unsupported = 5,
    permission_denied = 6,
    output_closed = 7,
    internal = 8,
};

pub const Error = error{Fatal};

/// Why the helper is about to exit, filled where the failure is detected.
pub const Diagnostic = struct {
    code: ExitCode = .internal,
    message_buffer: [512]u8 = undefined,
    message_len: usize = 0,

    /// Records the exit code and message, and returns the error to propagate.
    pub fn fail(diagnostic: *Diagnostic, code: ExitCode, comptime format: []const u8, args: anytype) Error {
        diagnostic.code = code;
        const written = std.fmt.bufPrint(&diagnostic.message_buffer, format, args) catch
            diagnostic.message_buffer[0..];
        diagnostic.message_len = written.len;
        return error.Fatal;
    }

    pub fn message(diagnostic: *const Diagnostic) []const u8 {
        return diagnostic.message_buffer[0..diagnostic.message_len];
    }
};

/// The helper's panic handler (`main.zig`: `pub const panic = std.debug.FullPanic(fatal.panic)`):
/// one line on stderr, `tachyon-helper: internal error: <message>`, then exit code 8. Zig's
/// default handler prints a stack trace, and to do so opens the executable and the source files
/// its debug info names; a panic may happen while the helper is still privileged, so this one
/// opens nothing, allocates nothing and formats nothing beyond copying the message.
pub fn panic(message: []const u8, _: ?usize) noreturn {
    @branchHint(.cold);
    const prefix = "tachyon-helper: internal error: ";
    var line: [prefix.len + 256 + 1]u8 = undefined;
    const kept = @min(message.len, line.len - prefix.len - 1);
    @memcpy(line[0..prefix.len], prefix);
    @memcpy(line[prefix.len..][0..kept], message[0..kept]);
    line[prefix.len + kept] = '\n';
    os.files.writeAll(os.files.stderr, line[0 .. prefix.len + kept + 1]);
    os.process.exitNow(@intFromEnum(ExitCode.internal));
}

test "fail records the code and the message" {
    var diagnostic: Diagnostic = .{};
    const err = diagnostic.fail(.not_python, "process {d} does not look like CPython", .{42});
    try std.testing.expectEqual(error.Fatal, err);
    try std.testing.expectEqual(ExitCode.not_python, diagnostic.code);
    try std.testing.expectEqualStrings("process 42 does not look like CPython", diagnostic.message());
}
