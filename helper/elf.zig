//! Finds CPython's runtime in an ELF file without loading the file: the `.PyRuntime` section or
//! the `_PyRuntime` symbol (`.dynsym`, then `.symtab`), the `Py_Version` symbol (to name an
//! unsupported version) and a debug-build marker, plus the `PT_LOAD` segments needed to turn
//! link-time addresses into addresses in the target (`loadBias`).
//!
//! Everything is read with `pread` through a `Source`, bounded by `limits`; tests hand it bytes
//! built in memory. Every offset, size and address comes from the file, which the target chose:
//! each sum of them is checked or wraps on purpose (`-%`, `+%` for addresses), so a crafted file
//! is skipped, never a panic. Which files to inspect, and what the results mean, is `locate.zig`'s job.

const std = @import("std");
const limits = @import("limits.zig");
const os = @import("os.zig");

pub const Error = error{ NotElf, Unreadable };

/// Where ELF bytes come from: a file descriptor, or (in tests) a byte slice.
pub const Source = union(enum) {
    fd: os.Fd,
    bytes: []const u8,

    /// Reads up to `buffer.len` bytes at `offset`; returns how many were read.
    pub fn pread(source: Source, buffer: []u8, offset: u64) usize {
        switch (source) {
            .fd => |fd| return os.files.pread(fd, buffer, offset) orelse 0,
            .bytes => |bytes| {
                if (offset >= bytes.len) return 0;
                const available = bytes[@intCast(offset)..];
                const count = @min(available.len, buffer.len);
                @memcpy(buffer[0..count], available[0..count]);
                return count;
            },
        }
    }

    fn readExact(source: Source, buffer: []u8, offset: u64) Error!void {
        if (source.pread(buffer, offset) != buffer.len) return error.Unreadable;
    }
};

pub const Load = struct {
    vaddr: u64,
    offset: u64,
    filesz: u64,
};

/// What a file tells about CPython; link-time addresses (add the load bias).
pub const Info = struct {
    /// `.PyRuntime` section address, else the `_PyRuntime` symbol.
    runtime_address: ?u64 = null,
    /// The `Py_Version` symbol (3.11+): `PY_VERSION_HEX` as an unsigned long.
    py_version_address: ?u64 = null,
    /// `_Py_NegativeRefcount` is exported only by `Py_REF_DEBUG` (debug) builds.
    debug_build: bool = false,
    /// File range of `.rodata`, where string literals such as `PY_VERSION` live.
    rodata: ?struct { offset: u64, size: u64 } = null,
    loads: [limits.elf_headers_max]Load = undefined,
    load_count: usize = 0,
};

/// Returns the load bias for a mapping of this file that starts at `map_start` and maps the
/// file from `map_offset`: `map_start - (p_vaddr - p_offset + map_offset)` for the `PT_LOAD`
/// whose file range holds `map_offset`. 0 for a non-PIE executable.
pub fn loadBias(info: *const Info, map_start: u64, map_offset: u64) ?u64 {
    for (info.loads[0..info.load_count]) |load| {
        const page_offset = load.offset & ~@as(u64, limits.page_bytes - 1);
        if (map_offset < page_offset or map_offset >= load.offset +| @max(load.filesz, 1)) continue;
        return map_start -% (load.vaddr -% load.offset +% map_offset);
    }
    return null;
}

const Ehdr = extern struct {
    ident: [16]u8,
    type: u16,
    machine: u16,
    version: u32,
    entry: u64,
    phoff: u64,
    shoff: u64,
    flags: u32,
    ehsize: u16,
    phentsize: u16,
    phnum: u16,
    shentsize: u16,
    shnum: u16,
    shstrndx: u16,
};

const Phdr = extern struct {
    type: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    paddr: u64,
    filesz: u64,
    memsz: u64,
    @"align": u64,
};

const Shdr = extern struct {
    name: u32,
    type: u32,
    flags: u64,
    addr: u64,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
    addralign: u64,
    entsize: u64,
};

const Sym = extern struct {
    name: u32,
    info: u8,
    other: u8,
    shndx: u16,
    value: u64,
    size: u64,
};

const pt_load = 1;
const sht_symtab = 2;
const sht_dynsym = 11;
const sht_nobits = 8;

comptime {
    std.debug.assert(@sizeOf(Ehdr) == 64 and @sizeOf(Phdr) == 56);
    std.debug.assert(@sizeOf(Shdr) == 64 and @sizeOf(Sym) == 24);
}

pub fn inspect(source: Source) Error!Info {
    var ehdr: Ehdr = undefined;
    try source.readExact(std.mem.asBytes(&ehdr), 0);
    const is_elf64_le = std.mem.eql(u8, ehdr.ident[0..4], "\x7fELF") and ehdr.ident[4] == 2 and ehdr.ident[5] == 1;
    if (!is_elf64_le) return error.NotElf;

    var info: Info = .{};
    if (ehdr.phentsize != @sizeOf(Phdr) or ehdr.phnum > limits.elf_headers_max) return error.NotElf;
    var phdrs: [limits.elf_headers_max]Phdr = undefined;
    try source.readExact(std.mem.sliceAsBytes(phdrs[0..ehdr.phnum]), ehdr.phoff);
    for (phdrs[0..ehdr.phnum]) |phdr| {
        if (phdr.type != pt_load) continue;
        info.loads[info.load_count] = .{ .vaddr = phdr.vaddr, .offset = phdr.offset, .filesz = phdr.filesz };
        info.load_count += 1;
    }

    // Section headers are optional (sstrip removes them): without them, no symbols.
    if (ehdr.shnum == 0 or ehdr.shentsize != @sizeOf(Shdr) or ehdr.shnum > limits.elf_headers_max) return info;
    var shdrs: [limits.elf_headers_max]Shdr = undefined;
    const sections = shdrs[0..ehdr.shnum];
    source.readExact(std.mem.sliceAsBytes(sections), ehdr.shoff) catch return info;
    if (ehdr.shstrndx >= sections.len) return info;

    var section_names: StringWindow = .{ .source = source, .table = sections[ehdr.shstrndx] };
    for (sections) |section| {
        if (section_names.eql(section.name, ".PyRuntime") and section.addr != 0) info.runtime_address = section.addr;
        if (section_names.eql(section.name, ".rodata") and section.type != sht_nobits) info.rodata = .{ .offset = section.offset, .size = section.size };
    }
    for ([_]u32{ sht_dynsym, sht_symtab }) |wanted_type| {
        for (sections) |section| {
            if (section.type != wanted_type or section.link >= sections.len) continue;
            scanSymbols(source, section, sections[section.link], &info);
        }
    }
    return info;
}

/// Looks for the few symbols of interest in one symbol table, reading it in chunks.
fn scanSymbols(source: Source, table: Shdr, strings: Shdr, info: *Info) void {
    var names: StringWindow = .{ .source = source, .table = strings };
    const count = @min(table.size / @sizeOf(Sym), limits.elf_symbols_max);
    var chunk: [4096]Sym = undefined;
    var first: u64 = 0;
    while (first < count) : (first += chunk.len) {
        const in_chunk: usize = @intCast(@min(chunk.len, count - first));
        const bytes = std.mem.sliceAsBytes(chunk[0..in_chunk]);
        const offset = std.math.add(u64, table.offset, first * @sizeOf(Sym)) catch return;
        source.readExact(bytes, offset) catch return;
        for (chunk[0..in_chunk]) |symbol| {
            if (symbol.shndx == 0 or symbol.name == 0) continue; // undefined or unnamed
            if (info.runtime_address == null and names.eql(symbol.name, "_PyRuntime")) {
                info.runtime_address = symbol.value;
            } else if (info.py_version_address == null and names.eql(symbol.name, "Py_Version")) {
                info.py_version_address = symbol.value;
            } else if (names.eql(symbol.name, "_Py_NegativeRefcount")) {
                info.debug_build = true;
            }
        }
    }
}

/// Backing store of `StringWindow`: large enough to hold a whole `.dynstr` or `.strtab` of a
/// real libpython, so that a table costs one `pread` rather than one per window. It lives in
/// .bss (no allocation); only one window is in use at a time, since tables are scanned in turn.
var string_window_storage: [limits.elf_string_window_bytes]u8 = undefined;

/// A window over a string table: the whole table when it fits, otherwise a sliding window, so
/// comparing the names of consecutive symbols (which sit close together) costs one `pread` per
/// window, not one per name.
const StringWindow = struct {
    source: Source,
    table: Shdr,
    buffer: []u8 = &string_window_storage,
    start: u64 = 0,
    len: usize = 0,

    fn eql(window: *StringWindow, name_offset: u32, expected: []const u8) bool {
        // The name plus its NUL terminator must lie inside the table.
        if (@as(u64, name_offset) + expected.len + 1 > window.table.size) return false;
        const in_window = name_offset >= window.start and
            name_offset + expected.len + 1 <= window.start + window.len;
        if (!in_window) {
            window.start = if (window.table.size <= window.buffer.len) 0 else name_offset;
            const wanted: usize = @intCast(@min(window.buffer.len, window.table.size - window.start));
            const offset = std.math.add(u64, window.table.offset, window.start) catch return false;
            window.len = window.source.pread(window.buffer[0..wanted], offset);
            if (name_offset + expected.len + 1 > window.start + window.len) return false;
        }
        const at: usize = @intCast(name_offset - window.start);
        return std.mem.eql(u8, window.buffer[at..][0..expected.len], expected) and
            window.buffer[at + expected.len] == 0;
    }
};

// A minimal ELF built in memory: one PT_LOAD, a `.PyRuntime` section or not, and a symbol table.
const TestElf = struct {
    bytes: [4096]u8 = @splat(0),

    const strtab = "\x00_PyRuntime\x00Py_Version\x00_PyRuntimeX\x00";
    const shstrtab = "\x00.PyRuntime\x00.symtab\x00.strtab\x00.shstrtab\x00";

    fn build(with_section: bool) TestElf {
        var elf: TestElf = .{};
        const phoff = 64;
        const shoff = 1024;
        const symoff = 512;
        const stroff = 768;
        const shstroff = 896;
        elf.put(0, Ehdr{
            .ident = "\x7fELF\x02\x01\x01".* ++ @as([9]u8, @splat(0)),
            .type = 3,
            .machine = 62,
            .version = 1,
            .entry = 0,
            .phoff = phoff,
            .shoff = shoff,
            .flags = 0,
            .ehsize = 64,
            .phentsize = @sizeOf(Phdr),
            .phnum = 1,
            .shentsize = @sizeOf(Shdr),
            .shnum = 5,
            .shstrndx = 4,
        });
        elf.put(phoff, Phdr{ .type = pt_load, .flags = 6, .offset = 0x1000, .vaddr = 0x5000, .paddr = 0, .filesz = 0x2000, .memsz = 0x2000, .@"align" = 0x1000 });
        // Symbols: null, `_PyRuntimeX` (a near miss), `Py_Version`, `_PyRuntime`.
        elf.put(symoff + 24, Sym{ .name = 23, .info = 0x11, .other = 0, .shndx = 1, .value = 0x9999, .size = 8 });
        elf.put(symoff + 48, Sym{ .name = 12, .info = 0x11, .other = 0, .shndx = 1, .value = 0x5100, .size = 8 });
        elf.put(symoff + 72, Sym{ .name = 1, .info = 0x11, .other = 0, .shndx = 1, .value = 0x5200, .size = 64 });
        @memcpy(elf.bytes[stroff..][0..strtab.len], strtab);
        @memcpy(elf.bytes[shstroff..][0..shstrtab.len], shstrtab);
        const section_name: u32 = if (with_section) 1 else 0;
        elf.put(shoff + 64 * 1, Shdr{ .name = section_name, .type = 1, .flags = 3, .addr = 0x5300, .offset = 0x1300, .size = 64, .link = 0, .info = 0, .addralign = 32, .entsize = 0 });
        elf.put(shoff + 64 * 2, Shdr{ .name = 12, .type = sht_symtab, .flags = 0, .addr = 0, .offset = symoff, .size = 4 * 24, .link = 3, .info = 1, .addralign = 8, .entsize = 24 });
        elf.put(shoff + 64 * 3, Shdr{ .name = 20, .type = 3, .flags = 0, .addr = 0, .offset = stroff, .size = strtab.len, .link = 0, .info = 0, .addralign = 1, .entsize = 0 });
        elf.put(shoff + 64 * 4, Shdr{ .name = 28, .type = 3, .flags = 0, .addr = 0, .offset = shstroff, .size = shstrtab.len, .link = 0, .info = 0, .addralign = 1, .entsize = 0 });
        return elf;
    }

    fn put(elf: *TestElf, offset: usize, value: anytype) void {
        const bytes = std.mem.asBytes(&value);
        @memcpy(elf.bytes[offset..][0..bytes.len], bytes);
    }
};

const testing = std.testing;

test "the .PyRuntime section wins over the symbol" {
    const elf = TestElf.build(true);
    const info = try inspect(.{ .bytes = &elf.bytes });
    try testing.expectEqual(@as(?u64, 0x5300), info.runtime_address);
    try testing.expectEqual(@as(?u64, 0x5100), info.py_version_address);
    try testing.expect(!info.debug_build);
}

test "without the section, the _PyRuntime symbol (not a near miss)" {
    const elf = TestElf.build(false);
    const info = try inspect(.{ .bytes = &elf.bytes });
    try testing.expectEqual(@as(?u64, 0x5200), info.runtime_address);
}

test "load bias from the PT_LOAD that holds the mapping's file offset" {
    const elf = TestElf.build(true);
    const info = try inspect(.{ .bytes = &elf.bytes });
    // PIE or shared object: the segment (vaddr 0x5000, offset 0x1000) mapped at 0x7f0000001000.
    try testing.expectEqual(@as(?u64, 0x7f0000001000 - 0x5000 + 0x1000 - 0x1000), loadBias(&info, 0x7f0000001000, 0x1000));
    // A non-PIE executable maps the segment at its link address: bias 0.
    try testing.expectEqual(@as(?u64, 0), loadBias(&info, 0x5000, 0x1000));
    // An offset outside every PT_LOAD gives no answer.
    try testing.expectEqual(@as(?u64, null), loadBias(&info, 0x5000, 0x8000));
}

test "offsets and sizes near 2^64 are skipped, not a panic" {
    var elf = TestElf.build(true);
    const far = std.math.maxInt(u64) - 8;
    elf.put(64, Phdr{ .type = pt_load, .flags = 6, .offset = far, .vaddr = far, .paddr = 0, .filesz = far, .memsz = far, .@"align" = 0x1000 });
    // Symbol table and its strings at offsets whose sums with a chunk or window start overflow.
    elf.put(1024 + 64 * 2, Shdr{ .name = 12, .type = sht_symtab, .flags = 0, .addr = 0, .offset = far, .size = 1 << 40, .link = 3, .info = 1, .addralign = 8, .entsize = 24 });
    elf.put(1024 + 64 * 3, Shdr{ .name = 20, .type = 3, .flags = 0, .addr = 0, .offset = far, .size = std.math.maxInt(u64), .link = 0, .info = 0, .addralign = 1, .entsize = 0 });
    elf.put(1024 + 64 * 4, Shdr{ .name = 28, .type = 3, .flags = 0, .addr = 0, .offset = far, .size = std.math.maxInt(u64), .link = 0, .info = 0, .addralign = 1, .entsize = 0 });
    const info = try inspect(.{ .bytes = &elf.bytes });
    try testing.expectEqual(@as(?u64, null), info.runtime_address);
    try testing.expectEqual(@as(?u64, null), loadBias(&info, 0x1000, std.math.maxInt(u64)));
    _ = loadBias(&info, 0, far);

    // Headers placed past the end of the file, or at offsets no file has.
    var headers_far = TestElf.build(true);
    headers_far.bytes[32..40].* = @bitCast(@as(u64, std.math.maxInt(u64)));
    headers_far.bytes[40..48].* = @bitCast(@as(u64, std.math.maxInt(u64)));
    try testing.expectError(error.Unreadable, inspect(.{ .bytes = &headers_far.bytes }));
}

test "rejects what is not a 64-bit little-endian ELF" {
    try testing.expectError(error.Unreadable, inspect(.{ .bytes = "\x7fELF" }));
    const not_elf: [64]u8 = @splat('x');
    try testing.expectError(error.NotElf, inspect(.{ .bytes = &not_elf }));
}

test "inspects this test executable from /proc/self/exe" {
    const fd = try os.procfs.openSelf("exe");
    defer os.files.close(fd);
    const info = try inspect(.{ .fd = fd });
    try testing.expect(info.load_count >= 1);
    try testing.expectEqual(@as(?u64, null), info.runtime_address);
}
