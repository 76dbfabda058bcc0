//! Finds the CPython runtime of a target process and reads its layout, or explains why not.
//!
//! Candidates are the ELF files mapped by the target, in order: the executable, `libpython*`,
//! then any other file whose name contains `python` (unwinding.md section 1.1). Each is opened
//! through `/proc/PID/exe` or `/proc/PID/root/...` (so targets in a chroot or another mount
//! namespace work), relative to the pinned `/proc/PID` directory, after a privileged helper has
//! dropped its privileges; a path named by the target is opened without following a last link
//! and without waiting, and must be a regular file with the mapping's device and inode
//! (`os.procfs.openMapped`). The runtime is the `.PyRuntime`
//! section or `_PyRuntime` symbol plus the load bias; for stripped files, writable mappings are
//! scanned for the debug-offsets cookie. The result is a `Target` whose `PyOffsets` come from
//! the `_Py_DebugOffsets` record (3.13+) or, for a runtime without one, from the built-in table
//! of its minor version (3.8-3.12, `py_offsets.zig`). That version is read from the `Py_Version`
//! symbol (3.11+) or else from the file name (`libpython3.X.so`, `python3.X`); a line on stderr
//! says which method decided.

const std = @import("std");
const limits = @import("limits.zig");
const elf = @import("elf.zig");
const fatal = @import("fatal.zig");
const os = @import("os.zig");
const proc_maps = @import("proc_maps.zig");
const py_offsets = @import("py_offsets.zig");
const RemoteMemory = @import("RemoteMemory.zig");
const version_string = @import("version_string.zig");

pub const Target = struct {
    offsets: py_offsets.PyOffsets,
    runtime_address: u64,
    /// The ELF that holds `_PyRuntime`, as `/proc/PID/maps` names it.
    runtime_path_buffer: [limits.path_bytes_max]u8 = undefined,
    runtime_path_len: usize = 0,
    debug_build: bool = false,

    pub fn runtimePath(target: *const Target) []const u8 {
        return target.runtime_path_buffer[0..target.runtime_path_len];
    }
};

const Rank = enum(u2) { executable, libpython, python };

const Candidate = struct {
    rank: Rank,
    path: []const u8,
    dev_major: u32,
    dev_minor: u32,
    inode: u64,
    /// The mapping with the lowest file offset, used for the load bias.
    map_start: u64,
    map_offset: u64,
};

/// Locates the runtime of the process whose `/proc/PID` directory is `process_dir`.
/// `maps_buffer` receives `/proc/PID/maps`.
pub fn locate(pid: os.Pid, process_dir: os.Fd, memory: RemoteMemory, maps_buffer: []u8, diagnostic: *fatal.Diagnostic) fatal.Error!Target {
    const maps_fd = os.procfs.openIn(process_dir, .maps) catch |err| return openFailure(pid, err, diagnostic);
    defer os.files.close(maps_fd);
    const maps = os.files.readAll(maps_fd, maps_buffer) catch |err| return openFailure(pid, err, diagnostic);

    const exe_fd: ?os.Fd = os.procfs.openExe(process_dir) catch null;
    defer if (exe_fd) |fd| os.files.close(fd);
    const exe_identity = if (exe_fd) |fd| os.files.identity(fd) else null;

    var candidates: [limits.candidates_max]Candidate = undefined;
    const count = collectCandidates(maps, exe_identity, &candidates);

    var version_hint: ?VersionHint = null;
    for (candidates[0..count]) |candidate| {
        const fd = if (candidate.rank == .executable and exe_fd != null)
            exe_fd.?
        else
            os.procfs.openMapped(process_dir, .{
                .path = candidate.path,
                .map_start = candidate.map_start,
                .dev_major = candidate.dev_major,
                .dev_minor = candidate.dev_minor,
                .inode = candidate.inode,
            }) orelse continue;
        defer if (fd != exe_fd) os.files.close(fd);

        const info = elf.inspect(.{ .fd = fd }) catch continue;
        const bias = elf.loadBias(&info, candidate.map_start, candidate.map_offset) orelse continue;
        if (version_hint == null) {
            if (info.py_version_address) |address| {
                const hex = memory.readValue(u32, address +% bias) catch |err| return readFailure(pid, err, diagnostic);
                version_hint = .{ .hex = hex };
            }
        }
        const runtime_link_address = info.runtime_address orelse continue;
        // Without `Py_Version` (before 3.11), the version is in a file name: preferably the
        // runtime's own file, else another candidate's (a renamed executable linked to libpython).
        const hint = version_hint orelse versionFromString(.{ .fd = fd }, &info) orelse versionFromName(basename(candidate.path)) orelse
            for (candidates[0..count]) |other| {
                if (versionFromName(basename(other.path))) |name_hint| break name_hint;
            } else null;
        return fromRuntime(pid, memory, runtime_link_address +% bias, candidate.path, info.debug_build, hint, diagnostic);
    }

    // Stripped files: look for the cookie that starts `_PyRuntime` in 3.13+.
    if (try scanForCookie(pid, memory, maps, diagnostic)) |found| {
        return fromRuntime(pid, memory, found.address, found.path, false, version_hint, diagnostic);
    }

    if (version_hint == null) {
        for (candidates[0..count]) |candidate| {
            if (versionFromName(basename(candidate.path))) |hint| {
                version_hint = hint;
                break;
            }
        }
    }
    if (version_hint) |hint| {
        var text: [32]u8 = undefined;
        return diagnostic.fail(.python_unsupported, "process {d} runs Python {s}, which tachyon cannot read ({s})", .{ pid, hint.format(&text), supported });
    }
    return diagnostic.fail(.not_python, "process {d} does not look like CPython (no _PyRuntime found)", .{pid});
}

fn fromRuntime(
    pid: os.Pid,
    memory: RemoteMemory,
    runtime_address: u64,
    path: []const u8,
    debug_build: bool,
    version_hint: ?VersionHint,
    diagnostic: *fatal.Diagnostic,
) fatal.Error!Target {
    var record: [limits.debug_offsets_bytes_max]u8 = undefined;
    memory.read(runtime_address, &record) catch |err| return readFailure(pid, err, diagnostic);
    var text: [32]u8 = undefined;
    const builtin = if (py_offsets.recordVersion(&record) == null) builtinLayout(version_hint) else null;
    const offsets = if (builtin) |layout| offsets: {
        const hint = version_hint.?;
        if (debug_build) return diagnostic.fail(.python_unsupported, "process {d} runs a debug build of Python {s}, which the built-in layouts do not describe", .{ pid, hint.format(&text) });
        // Alphas and betas moved fields around (3.8.0a1-a4 differ in `_PyRuntime`); the tables
        // describe final releases, which keep the layout through a minor's patch releases.
        const level = (hint.hex >> 4) & 0xf;
        if ((hint.hex >> 8) & 0xff != 0xff and (level == 0xa or level == 0xb)) {
            return diagnostic.fail(.python_unsupported, "process {d} runs Python {s}, a pre-release the built-in layouts do not describe ({s})", .{ pid, hint.format(&text), supported });
        }
        // A version from a file name has no micro level: send major and minor only.
        const version_hex = if ((hint.hex >> 8) & 0xff == 0xff) hint.hex & 0xffff0000 else hint.hex;
        const built = py_offsets.fromBuiltin(layout, version_hex) catch
            return diagnostic.fail(.internal, "the built-in layout of Python {s} is inconsistent", .{hint.format(&text)});
        var line: [limits.path_bytes_max + 160]u8 = undefined;
        writeStderr(std.fmt.bufPrint(&line, "tachyon-helper: Python {s} (version from {s}, {s}); using the built-in layout measured on {s}\n", .{
            hint.format(&text),
            @tagName(hint.method),
            path,
            (VersionHint{ .hex = layout.measured_version_hex }).format(text[16..]),
        }) catch "tachyon-helper: using a built-in layout\n");
        break :offsets built;
    } else py_offsets.fromDebugOffsets(&record) catch |err| {
        const hint: ?VersionHint = if (py_offsets.recordVersion(&record)) |hex| .{ .hex = hex } else version_hint;
        const version = if (hint) |h| h.format(&text) else "older than 3.13";
        return switch (err) {
            error.FreeThreaded => diagnostic.fail(.python_unsupported, "process {d} runs a free-threaded build of Python {s}, which tachyon does not support yet", .{ pid, version }),
            error.PreRelease => diagnostic.fail(.python_unsupported, "process {d} runs Python {s}: 3.15 pre-releases before 3.15.0b4 are not supported", .{ pid, version }),
            error.Inconsistent => diagnostic.fail(.python_unsupported, "process {d} runs Python {s}, whose debug offsets look inconsistent", .{ pid, version }),
            error.NoCookie, error.UnsupportedVersion => diagnostic.fail(.python_unsupported, "process {d} runs Python {s}, which tachyon cannot read ({s})", .{ pid, version, supported }),
        };
    };
    var target: Target = .{ .offsets = offsets, .runtime_address = runtime_address, .debug_build = debug_build };
    target.runtime_path_len = @min(path.len, target.runtime_path_buffer.len);
    @memcpy(target.runtime_path_buffer[0..target.runtime_path_len], path[0..target.runtime_path_len]);
    return target;
}

const supported = std.fmt.comptimePrint("supported: 3.{d} to 3.{d}", .{ py_offsets.minor_min, py_offsets.minor_max });

/// The built-in layout for a runtime without debug offsets, if its version has one.
fn builtinLayout(version_hint: ?VersionHint) ?*const py_offsets.BuiltinLayout {
    const hint = version_hint orelse return null;
    if (hint.hex >> 24 != 3) return null;
    return py_offsets.builtinFor(@truncate(hint.hex >> 16));
}

fn writeStderr(bytes: []const u8) void {
    os.files.writeStderr(bytes);
}

/// Lists the candidate files, best first, one entry per file.
fn collectCandidates(maps: []const u8, exe: ?os.files.Identity, candidates: *[limits.candidates_max]Candidate) usize {
    var count: usize = 0;
    var it = proc_maps.Iterator.init(maps);
    while (it.next()) |mapping| {
        if (!mapping.isFileBacked()) continue;
        const name = mapping.basename();
        const is_exe = if (exe) |id| id.inode == mapping.inode and id.dev_major == mapping.dev_major and id.dev_minor == mapping.dev_minor else false;
        const rank: Rank = if (is_exe)
            .executable
        else if (std.mem.find(u8, name, "libpython") != null)
            .libpython
        else if (std.mem.find(u8, name, "python") != null)
            .python
        else
            continue;

        const existing = for (candidates[0..count]) |*candidate| {
            if (candidate.inode == mapping.inode and candidate.dev_major == mapping.dev_major and
                candidate.dev_minor == mapping.dev_minor and std.mem.eql(u8, candidate.path, mapping.path)) break candidate;
        } else null;
        if (existing) |candidate| {
            if (mapping.offset < candidate.map_offset) {
                candidate.map_start = mapping.start;
                candidate.map_offset = mapping.offset;
            }
            continue;
        }
        if (count == candidates.len) continue;
        candidates[count] = .{
            .rank = rank,
            .path = mapping.path,
            .dev_major = mapping.dev_major,
            .dev_minor = mapping.dev_minor,
            .inode = mapping.inode,
            .map_start = mapping.start,
            .map_offset = mapping.offset,
        };
        count += 1;
    }
    std.sort.insertion(Candidate, candidates[0..count], {}, struct {
        fn lessThan(_: void, a: Candidate, b: Candidate) bool {
            return @intFromEnum(a.rank) < @intFromEnum(b.rank);
        }
    }.lessThan);
    return count;
}

const CookieHit = struct { address: u64, path: []const u8 };

/// Scans writable file-backed mappings, 8 bytes at a time, for `xdebugpy` followed by a
/// 3.13+ version (unwinding.md section 1.4). Bounded by `limits.cookie_scan_bytes_max`.
fn scanForCookie(pid: os.Pid, memory: RemoteMemory, maps: []const u8, diagnostic: *fatal.Diagnostic) fatal.Error!?CookieHit {
    var chunk: [65536]u8 = undefined;
    var scanned: u64 = 0;
    var it = proc_maps.Iterator.init(maps);
    while (it.next()) |mapping| {
        if (!mapping.isFileBacked() or !mapping.writable or !mapping.readable) continue;
        var address = mapping.start;
        while (address < mapping.end and scanned < limits.cookie_scan_bytes_max) {
            const len: usize = @intCast(@min(chunk.len, mapping.end - address));
            memory.read(address, chunk[0..len]) catch |err| switch (err) {
                error.Unmapped => break,
                else => return readFailure(pid, err, diagnostic),
            };
            var at: usize = 0;
            while (at + 16 <= len) : (at += 8) {
                if (!std.mem.eql(u8, chunk[at..][0..8], py_offsets.cookie)) continue;
                const version = std.mem.readInt(u64, chunk[at + 8 ..][0..8], .little);
                if (version >> 24 == 3 and (version >> 16) & 0xff >= 13) {
                    return .{ .address = address + at, .path = mapping.path };
                }
            }
            address += len;
            scanned += len;
        }
    }
    return null;
}

/// A Python version known without its debug offsets: it names the version in an error
/// message, and picks the built-in layout for 3.8-3.12.
const VersionHint = struct {
    hex: u32,
    method: Method = .py_version_symbol,

    const Method = enum { py_version_symbol, version_string, file_name };

    /// "3.12.1", "3.15.0b3", or "3.12" when only the minor is known (micro 0xff).
    fn format(hint: VersionHint, buffer: []u8) []const u8 {
        const major = hint.hex >> 24;
        const minor = (hint.hex >> 16) & 0xff;
        const micro = (hint.hex >> 8) & 0xff;
        const level = (hint.hex >> 4) & 0xf;
        const serial = hint.hex & 0xf;
        if (micro == 0xff) return std.fmt.bufPrint(buffer, "{d}.{d}", .{ major, minor }) catch unreachable;
        const level_text: []const u8 = switch (level) {
            0xa => "a",
            0xb => "b",
            0xc => "rc",
            else => return std.fmt.bufPrint(buffer, "{d}.{d}.{d}", .{ major, minor, micro }) catch unreachable,
        };
        return std.fmt.bufPrint(buffer, "{d}.{d}.{d}{s}{d}", .{ major, minor, micro, level_text, serial }) catch unreachable;
    }
};

/// The `PY_VERSION` literal in the file's `.rodata` (version_string.zig), read in blocks.
fn versionFromString(source: elf.Source, info: *const elf.Info) ?VersionHint {
    const rodata = info.rodata orelse return null;
    var block: [64 * 1024]u8 = undefined;
    var scan: version_string.Scan = .{};
    // Offsets from the file: an end past 2^64 is a crafted file, not a `.rodata`.
    const end = std.math.add(u64, rodata.offset, @min(rodata.size, limits.rodata_scan_bytes_max)) catch return null;
    var offset = rodata.offset;
    while (offset < end) {
        const want: usize = @intCast(@min(block.len, end - offset));
        const got = source.pread(block[0..want], offset);
        if (got == 0) break;
        scan.feed(block[0..got]);
        if (offset + got >= end or got <= version_string.overlap_bytes) break;
        // Step back so a version string cut by the block's end is seen whole in the next one.
        offset += got - @min(got, version_string.overlap_bytes);
    }
    return .{ .hex = scan.result() orelse return null, .method = .version_string };
}

fn basename(path: []const u8) []const u8 {
    const slash = std.mem.findScalarLast(u8, path, '/') orelse return path;
    return path[slash + 1 ..];
}

/// Reads "X.Y" after "python" in a file name such as `libpython3.12.so.1.0` or `python3.9`.
fn versionFromName(name: []const u8) ?VersionHint {
    const at = std.mem.find(u8, name, "python") orelse return null;
    const rest = name[at + "python".len ..];
    const dot = std.mem.findScalar(u8, rest, '.') orelse return null;
    const major = std.fmt.parseInt(u8, rest[0..dot], 10) catch return null;
    var end = dot + 1;
    while (end < rest.len and std.ascii.isDigit(rest[end])) end += 1;
    const minor = std.fmt.parseInt(u8, rest[dot + 1 .. end], 10) catch return null;
    return .{ .hex = @as(u32, major) << 24 | @as(u32, minor) << 16 | 0xff00, .method = .file_name };
}

fn openFailure(pid: os.Pid, err: os.files.OpenError, diagnostic: *fatal.Diagnostic) fatal.Error {
    return switch (err) {
        error.NotFound => diagnostic.fail(.process_not_found, "no process with pid {d}", .{pid}),
        error.PermissionDenied => permissionDenied(pid, diagnostic),
        error.OtherFailure => diagnostic.fail(.internal, "cannot read /proc/{d}/maps", .{pid}),
    };
}

pub fn readFailure(pid: os.Pid, err: RemoteMemory.Error, diagnostic: *fatal.Diagnostic) fatal.Error {
    return switch (err) {
        error.ProcessGone => diagnostic.fail(.process_not_found, "process {d} exited", .{pid}),
        error.PermissionDenied => permissionDenied(pid, diagnostic),
        error.Unmapped => diagnostic.fail(.not_python, "process {d} does not look like CPython (its runtime address is not readable)", .{pid}),
    };
}

pub fn permissionDenied(pid: os.Pid, diagnostic: *fatal.Diagnostic) fatal.Error {
    return diagnostic.fail(.permission_denied, "not allowed to read process {d}: run as its owner with kernel.yama.ptrace_scope=0, or as root / with CAP_SYS_PTRACE", .{pid});
}

const testing = std.testing;

test "candidates: executable first, then libpython, then other python files" {
    const maps =
        \\00400000-00401000 r--p 00000000 08:01 10 /usr/bin/uwsgi
        \\7f0000000000-7f0000001000 r--p 00000000 08:01 30 /usr/lib/python3/dist-packages/_x.cpython-313.so
        \\7f0000100000-7f0000101000 r-xp 00001000 08:01 20 /usr/lib/libpython3.13.so.1.0
        \\7f00000ff000-7f0000100000 r--p 00000000 08:01 20 /usr/lib/libpython3.13.so.1.0
        \\7f0000200000-7f0000201000 r--p 00000000 08:01 40 /usr/lib/libc.so.6
        \\00401000-00402000 r-xp 00001000 08:01 10 /usr/bin/uwsgi
    ;
    var candidates: [limits.candidates_max]Candidate = undefined;
    const exe: os.files.Identity = .{ .dev_major = 8, .dev_minor = 1, .inode = 10, .uid = 0, .gid = 0, .regular = true };
    const count = collectCandidates(maps, exe, &candidates);
    try testing.expectEqual(@as(usize, 3), count);
    try testing.expectEqual(Rank.executable, candidates[0].rank);
    try testing.expectEqual(@as(u64, 0x400000), candidates[0].map_start);
    try testing.expectEqual(Rank.libpython, candidates[1].rank);
    try testing.expectEqual(@as(u64, 0x7f00000ff000), candidates[1].map_start);
    try testing.expectEqual(@as(u64, 0), candidates[1].map_offset);
    try testing.expectEqual(Rank.python, candidates[2].rank);
}

test "versions named in error messages" {
    var text: [32]u8 = undefined;
    try testing.expectEqualStrings("3.12", versionFromName("libpython3.12.so.1.0").?.format(&text));
    try testing.expectEqualStrings("3.9", versionFromName("python3.9").?.format(&text));
    try testing.expectEqual(@as(?VersionHint, null), versionFromName("python"));
    try testing.expectEqualStrings("3.12.1", (VersionHint{ .hex = 0x030c01f0 }).format(&text));
    try testing.expectEqualStrings("3.15.0b3", (VersionHint{ .hex = 0x030f00b3 }).format(&text));
}
