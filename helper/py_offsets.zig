//! `PyOffsets`: the one description of CPython's memory layout that the walker consults, and
//! where it comes from.
//!
//! Two sources fill the same record. CPython 3.13+ keeps a `_Py_DebugOffsets` record at the
//! start of `_PyRuntime` (`fromDebugOffsets`): a flat run of little-endian u64s whose order
//! differs per minor version (`RecordLayout`, from unwinding.md section 2.2). Versions without
//! that record (3.8-3.12) use a built-in table per minor version (`fromBuiltin`), generated
//! from CPython's own headers into `py_tables.zig` by `tools/gen_offsets.sh`. The walker only
//! sees the few differences of shape that the version families have (where the top frame is,
//! what the instruction position is, whether frames carry an owner), as fields of `PyOffsets`.
//! All offsets are in bytes from the start of their own struct.

const std = @import("std");
const limits = @import("limits.zig");
const py_tables = @import("py_tables.zig");

pub const PyOffsets = struct {
    version_hex: u32,
    source: Source = .debug_offsets,
    runtime: struct {
        interpreters_head: u64,
    },
    interpreter: struct {
        id: u64,
        next: u64,
        threads_head: u64,
        /// `threads.main` (3.14+); on 3.13 the main thread is the oldest, the list's last.
        threads_main: ?u64,
        /// The interpreter's own GIL (`_gil.locked` as an int, `_gil.last_holder`).
        gil_locked: u64,
        gil_holder: u64,
        /// 3.8-3.11: the GIL offsets are from `_PyRuntime` (one GIL per process), not from the
        /// interpreter state.
        gil_in_runtime: bool = false,
        /// `gc.collecting` (int): non-zero while the garbage collector runs.
        gc_collecting: u64,
        /// 3.8: the collector's state is in `_PyRuntime`, not in the interpreter state.
        gc_in_runtime: bool = false,
        /// 3.14+: `_code_object_generation` (u64), which every code object's deallocation
        /// bumps first: while it holds still, no code object of the interpreter has been freed.
        code_generation: ?u64 = null,
    },
    thread: struct {
        next: u64,
        /// The top frame pointer; on 3.11/3.12 a pointer to the `_PyCFrame` holding it.
        current_frame: u64,
        /// 3.11/3.12: where the top frame pointer is inside the `_PyCFrame`.
        cframe_current_frame: ?u64 = null,
        /// The kernel thread id; before 3.11, where no such field exists, the `pthread_t`.
        native_thread_id: u64,
        /// Whether `native_thread_id` holds a `pthread_t` (3.8-3.10) that the sampler maps to
        /// the kernel tid (pthread_tid.zig).
        id_is_pthread: bool = false,
        /// 3.15: a pointer to the sentinel frame every complete chain ends at (the sentinel
        /// itself is embedded past `PyThreadState`; checked live on 3.15.2).
        base_frame: ?u64,
        /// 3.15: per-thread GIL flag (int).
        holds_gil: ?u64,
        /// `exc_info`: a pointer to the top `_PyErr_StackItem` of the handled-exception stack.
        exc_info: u64,
        /// `exc_state`: the bottom stack item, embedded in the thread state.
        exc_state: u64,
        /// Bytes to read to cover every field above (and the whole `exc_state` item).
        read_bytes: u64,
    },
    frame: struct {
        previous: u64,
        executable: u64,
        /// `instr_ptr` / `prev_instr` (a pointer), or before 3.11 `f_lasti` (an int).
        instr_ptr: u64,
        instr_kind: InstrKind = .pointer,
        /// 3.11+: the frame's owner byte; older frames are all Python functions.
        owner: ?u64,
        /// 3.11: `is_entry` (bool), set on the first frame of each call from C into Python.
        is_entry: ?u64 = null,
        /// Before 3.11: `ob_refcnt` of the frame object. A freed frame (on the free list or a
        /// code object's zombie frame) has 0, and its `f_back` is stale or links the free list.
        refcount: ?u64 = null,
        read_bytes: u64,
    },
    code: struct {
        /// sizeof(PyCodeObject): the header read per sample.
        size: u64,
        filename: u64,
        name: u64,
        qualname: u64,
        linetable: u64,
        firstlineno: u64,
        /// 3.11+: where the bytecode starts inside the code object.
        co_code_adaptive: u64,
        /// 3.11+: `_co_firsttraceable` (int), the index of the code's first RESUME: a frame
        /// whose instruction lies before it has not started, and CPython's tracebacks and
        /// `f_back` leave it out (`_PyFrame_IsIncomplete`). Always the int two words before the
        /// bytecode (`int _co_firsttraceable; void *co_extra;`), on GIL builds of 3.11-3.15:
        /// CPython's headers for 3.11-3.13, and measured live on 3.11.7, 3.12.1, 3.13.0 and
        /// Debian's 3.14 and 3.15 with code objects whose first RESUME is at 0, 1 and 2.
        first_traceable: ?u64 = null,
        /// Before 3.11: the `co_code` bytes object, whose size is the bytecode's. Code objects
        /// are then not variable-size, and `object.ob_size` is not read from them.
        co_code: ?u64 = null,
    },
    /// `_PyErr_StackItem`: before 3.11 `exc_type` is the first field, from 3.11 `exc_value`;
    /// either is NULL or None when the item holds no exception.
    exc_item: struct {
        value: u64,
        previous: u64,
    },
    object: struct {
        ob_type: u64,
        /// `PyVarObject.ob_size`: for a code object, its bytecode length in code units.
        ob_size: u64,
    },
    type_object: struct {
        tp_name: u64,
    },
    unicode: struct {
        state: u64,
        length: u64,
        /// Where the characters of a compact ASCII string start.
        ascii_data: u64,
        /// Where the characters of a compact non-ASCII string start.
        compact_data: u64,
    },
    bytes: struct {
        ob_size: u64,
        ob_sval: u64,
    },
    /// `--locals`: where a frame's local values are and what the objects they point to hold.
    locals: struct {
        /// `localsplus[]` of `_PyInterpreterFrame` (3.11+), `f_localsplus[]` of `PyFrameObject`.
        frame_values: u64,
        /// The names tuple: `co_localsplusnames` (3.11+), `co_varnames` before.
        code_names: u64,
        /// `co_localspluskinds` (bytes, one kind per name; 3.11+).
        code_kinds: ?u64,
        tuple_items: u64,
        long_digits: u64,
        /// 3.12+: `PyLongObject` keeps its size and sign in `lv_tag`, not `ob_size`.
        long_tagged: bool,
        float_value: u64,
        dict_used: u64,
        set_used: u64,
        cell_ref: u64,
    },
    /// Frames whose `owner` is at least this are C-stack shims, interpreter entry frames or the
    /// 3.15 sentinel, never Python functions (3.13: CSTACK = 3; 3.14+: INTERPRETER = 3).
    frame_owner_internal_min: u8 = 3,
    /// Tag bits of `f_executable` (a `_PyStackRef` in 3.14+; 3.13 objects are aligned anyway).
    executable_tag_mask: u64 = 3,

    pub fn minor(offsets: PyOffsets) u8 {
        return @truncate(offsets.version_hex >> 16);
    }
};

/// Where a `PyOffsets` came from; the name is sent as `hello.layout_source`.
pub const Source = enum {
    debug_offsets,
    builtin_table,

    pub fn name(source: Source) []const u8 {
        return @tagName(source);
    }
};

/// What a frame's instruction position field holds.
pub const InstrKind = enum {
    /// 3.13+ `instr_ptr`: a pointer to a code unit inside `co_code_adaptive`.
    pointer,
    /// 3.11/3.12 `prev_instr`: the same, but to the last started instruction, so one code unit
    /// before `co_code_adaptive` while the frame has not started.
    prev_pointer,
    /// 3.8/3.9: `f_lasti`, an int byte offset into `co_code` (-1 before the first instruction).
    lasti_bytes,
    /// 3.10: `f_lasti`, an int index in code units (-1 before the first instruction).
    lasti_units,
};

pub const cookie = "xdebugpy";

pub const Error = error{
    /// No `xdebugpy` cookie: not 3.13+, or not a runtime at all.
    NoCookie,
    /// A version this helper has no record layout for.
    UnsupportedVersion,
    /// A 3.15 pre-release older than beta 4, whose record layout differs.
    PreRelease,
    FreeThreaded,
    /// Sizes or offsets that fail the sanity checks of unwinding.md section 2.1.
    Inconsistent,
};

/// Reads the `PY_VERSION_HEX` of a record, or null without the cookie.
pub fn recordVersion(record: []const u8) ?u32 {
    if (record.len < 16 or !std.mem.eql(u8, record[0..8], cookie)) return null;
    return @truncate(std.mem.readInt(u64, record[8..16], .little));
}

/// Builds `PyOffsets` from a `_Py_DebugOffsets` record read at `&_PyRuntime`.
pub fn fromDebugOffsets(record: []const u8) Error!PyOffsets {
    const version_hex = recordVersion(record) orelse return error.NoCookie;
    if (version_hex >> 24 != 3) return error.UnsupportedVersion;
    const layout: *const RecordLayout = switch (@as(u8, @truncate(version_hex >> 16))) {
        13 => &RecordLayout.v3_13,
        14 => &RecordLayout.v3_14,
        15 => if (version_hex < 0x030f00b4) return error.PreRelease else &RecordLayout.v3_15,
        else => return error.UnsupportedVersion,
    };
    if (record.len < layout.record_bytes) return error.Inconsistent;
    const r: Record = .{ .bytes = record };
    if (r.get(layout.free_threaded) != 0) return error.FreeThreaded;

    const interpreter_size = try r.structSize(layout.interpreter_size);
    const thread_size = try r.structSize(layout.thread_size);
    const frame_size = try r.structSize(layout.frame_size);
    const code_size = try r.structSize(layout.code_size);
    const object_size = try r.structSize(layout.object_size);
    const type_size = try r.structSize(layout.type_size);
    const unicode_size = try r.structSize(layout.unicode_size);
    const bytes_size = try r.structSize(layout.bytes_size);
    const runtime_size = try r.structSize(layout.runtime_size);
    // `ob_size` is read from code objects, which are variable-size objects like tuples.
    const tuple_size = try r.structSize(layout.tuple_size);
    const gc_size = try r.structSize(layout.gc_size);

    var offsets: PyOffsets = .{
        .version_hex = version_hex,
        .runtime = .{ .interpreters_head = try r.field(layout.interpreters_head, 8, runtime_size) },
        .interpreter = .{
            .id = try r.field(layout.interpreter_id, 8, interpreter_size),
            .next = try r.field(layout.interpreter_next, 8, interpreter_size),
            .threads_head = try r.field(layout.threads_head, 8, interpreter_size),
            .threads_main = if (layout.threads_main) |at| try r.field(at, 8, interpreter_size) else null,
            .gil_locked = try r.field(layout.gil_locked, 4, interpreter_size),
            .gil_holder = try r.field(layout.gil_holder, 8, interpreter_size),
            .gc_collecting = try r.field(layout.interpreter_gc, 8, interpreter_size) + try r.field(layout.gc_collecting, 4, gc_size),
            .code_generation = if (layout.code_object_generation) |at| try r.field(at, 8, interpreter_size) else null,
        },
        .thread = .{
            .next = try r.field(layout.thread_next, 8, thread_size),
            .current_frame = try r.field(layout.current_frame, 8, thread_size),
            .native_thread_id = try r.field(layout.native_thread_id, 8, thread_size),
            .base_frame = if (layout.base_frame) |at| try r.field(at, 8, thread_size) else null,
            .holds_gil = if (layout.holds_gil) |at| try r.field(at, 4, thread_size) else null,
            .exc_info = layout.exceptions.exc_info,
            .exc_state = layout.exceptions.exc_state,
            .read_bytes = 0,
        },
        .exc_item = .{ .value = 0, .previous = 8 },
        .frame = .{
            .previous = try r.field(layout.frame_previous, 8, frame_size),
            .executable = try r.field(layout.frame_executable, 8, frame_size),
            .instr_ptr = try r.field(layout.frame_instr_ptr, 8, frame_size),
            .owner = try r.field(layout.frame_owner, 1, frame_size),
            .read_bytes = 0,
        },
        .code = .{
            .size = code_size,
            .filename = try r.field(layout.code_filename, 8, code_size),
            .name = try r.field(layout.code_name, 8, code_size),
            .qualname = try r.field(layout.code_qualname, 8, code_size),
            .linetable = try r.field(layout.code_linetable, 8, code_size),
            .firstlineno = try r.field(layout.code_firstlineno, 4, code_size),
            .co_code_adaptive = try r.field(layout.code_adaptive, 2, code_size + 2),
            .first_traceable = try firstTraceable(r.get(layout.code_adaptive)),
        },
        .object = .{
            .ob_type = try r.field(layout.ob_type, 8, object_size),
            .ob_size = try r.field(layout.tuple_ob_size, 8, tuple_size),
        },
        .type_object = .{ .tp_name = try r.field(layout.tp_name, 8, type_size) },
        .unicode = .{
            .state = try r.field(layout.unicode_state, 4, unicode_size),
            .length = try r.field(layout.unicode_length, 8, unicode_size),
            .ascii_data = try r.field(layout.unicode_ascii_size, 1, unicode_size),
            .compact_data = undefined,
        },
        .bytes = .{
            .ob_size = try r.field(layout.bytes_ob_size, 8, bytes_size),
            .ob_sval = try r.field(layout.bytes_ob_sval, 1, bytes_size),
        },
        // The record has no int, float, dict, set or cell layouts: those are the same on every
        // GIL build from 3.12 (`helper/tools/offsets.c` measures them on 3.12; the dump tests
        // read them on 3.13-3.15).
        .locals = .{
            .frame_values = try r.field(layout.frame_localsplus, 8, frame_size + 8),
            .code_names = try r.field(layout.code_localsplusnames, 8, code_size),
            .code_kinds = try r.field(layout.code_localspluskinds, 8, code_size),
            .tuple_items = try r.field(layout.tuple_ob_item, 8, tuple_size + 8),
            .long_digits = 24,
            .long_tagged = true,
            .float_value = 16,
            .dict_used = 16,
            .set_used = 24,
            .cell_ref = 16,
        },
    };
    // 3.13 and 3.14 do not export sizeof(PyCompactUnicodeObject): it is PyASCIIObject plus
    // `utf8_length` and `utf8` (unwinding.md section 3.4).
    offsets.unicode.compact_data = if (layout.unicode_compact_size) |at|
        try r.field(at, 1, unicode_size)
    else
        offsets.unicode.ascii_data + 16;

    // 3.15 exports where the exception fields are; `exc_info` is the word after
    // `current_exception` (CPython's validator asserts it).
    if (layout.current_exception) |at| {
        offsets.thread.exc_info = try r.field(at, 8, thread_size) + 8;
        offsets.thread.exc_state = r.get(layout.exc_state.?);
        offsets.exc_item.value = r.get(layout.err_item_value.?);
        offsets.exc_item.previous = offsets.exc_item.value + 8;
        if (offsets.thread.exc_state % 8 != 0 or offsets.exc_item.value % 8 != 0) return error.Inconsistent;
    }
    const t = offsets.thread;
    offsets.thread.read_bytes = 8 + @max(t.next, t.current_frame, t.native_thread_id, t.base_frame orelse 0, t.holds_gil orelse 0, t.exc_info, t.exc_state + offsets.exc_item.previous);
    const f = offsets.frame;
    offsets.frame.read_bytes = 8 + @max(f.previous, f.executable, f.instr_ptr, f.owner.?);
    if (offsets.thread.read_bytes > limits.thread_state_bytes_max) return error.Inconsistent;
    if (offsets.code.size > limits.code_header_bytes_max) return error.Inconsistent;
    if (offsets.object.ob_size + 8 > offsets.code.size) return error.Inconsistent;
    return offsets;
}

/// One built-in layout: the `offsetof`/`sizeof` values printed by `tools/offsets.c` for one
/// minor version (null: no such field in that version). Instances live in `py_tables.zig`.
pub const BuiltinLayout = struct {
    /// The release the table was measured on; layouts are frozen within a minor version.
    measured_version_hex: u32,
    runtime_interpreters_head: u64,
    gil_locked: u64,
    gil_holder: u64,
    gil_in_runtime: bool,
    interpreter_id: u64,
    interpreter_next: u64,
    interpreter_threads_head: u64,
    thread_size: u64,
    thread_next: u64,
    /// `frame` (a `PyFrameObject*`) before 3.11, `cframe` (a `_PyCFrame*`) on 3.11/3.12.
    thread_frame: u64,
    cframe_current_frame: ?u64,
    thread_id: u64,
    thread_id_is_native: bool,
    frame_previous: u64,
    frame_code: u64,
    /// `f_lasti` before 3.11, `prev_instr` on 3.11/3.12.
    frame_instr: u64,
    frame_owner: ?u64,
    frame_is_entry: ?u64,
    thread_exc_info: u64,
    thread_exc_state: u64,
    exc_item_value: u64,
    exc_item_previous: u64,
    gc_collecting: u64,
    gc_in_runtime: bool,
    code_size: u64,
    code_filename: u64,
    code_name: u64,
    code_qualname: ?u64,
    /// `co_lnotab` before 3.10, `co_linetable` from 3.10.
    code_linetable: u64,
    code_firstlineno: u64,
    code_co_code: ?u64,
    code_adaptive: ?u64,
    ob_refcnt: u64,
    ob_type: u64,
    var_ob_size: u64,
    tp_name: u64,
    unicode_state: u64,
    unicode_length: u64,
    unicode_ascii_size: u64,
    unicode_compact_size: u64,
    bytes_ob_sval: u64,
    frame_localsplus: u64,
    /// `co_localsplusnames` from 3.11, `co_varnames` before.
    code_localsplusnames: u64,
    code_localspluskinds: ?u64,
    tuple_ob_item: u64,
    long_ob_digit: u64,
    float_ob_fval: u64,
    dict_ma_used: u64,
    set_used: u64,
    cell_ob_ref: u64,
};

/// The CPython versions the helper reads, 3.`minor_min` to 3.`minor_max`: built-in tables up
/// to 3.12 (`builtinFor`), `_Py_DebugOffsets` records from 3.13 (`fromDebugOffsets`). The one
/// place the range is written: `--version` reports it (`supported_range`) and the orchestrator
/// reads it from there.
pub const minor_min = 8;
pub const minor_max = 15;
/// "3.8-3.15".
pub const supported_range = std.fmt.comptimePrint("3.{d}-3.{d}", .{ minor_min, minor_max });

/// The built-in layout of a minor version of 3.x, or null if there is none.
pub fn builtinFor(minor_version: u8) ?*const BuiltinLayout {
    return switch (minor_version) {
        8 => &py_tables.v3_8,
        9 => &py_tables.v3_9,
        10 => &py_tables.v3_10,
        11 => &py_tables.v3_11,
        12 => &py_tables.v3_12,
        else => null,
    };
}

/// Builds `PyOffsets` from a built-in layout, for a target whose version was found without
/// debug offsets (`Py_Version`, or a file name: then `version_hex` has only major and minor).
pub fn fromBuiltin(layout: *const BuiltinLayout, version_hex: u32) Error!PyOffsets {
    const minor_version: u8 = @truncate(version_hex >> 16);
    if (minor_version != @as(u8, @truncate(layout.measured_version_hex >> 16))) return error.UnsupportedVersion;
    const has_frame_objects = layout.frame_owner == null and layout.code_co_code != null;
    var offsets: PyOffsets = .{
        .version_hex = version_hex,
        .source = .builtin_table,
        .runtime = .{ .interpreters_head = try aligned(layout.runtime_interpreters_head, 8) },
        .interpreter = .{
            .id = try aligned(layout.interpreter_id, 8),
            .next = try aligned(layout.interpreter_next, 8),
            .threads_head = try aligned(layout.interpreter_threads_head, 8),
            .threads_main = null,
            .gil_locked = try aligned(layout.gil_locked, 4),
            .gil_holder = try aligned(layout.gil_holder, 8),
            .gil_in_runtime = layout.gil_in_runtime,
            .gc_collecting = try aligned(layout.gc_collecting, 4),
            .gc_in_runtime = layout.gc_in_runtime,
        },
        .thread = .{
            .next = try aligned(layout.thread_next, 8),
            .current_frame = try aligned(layout.thread_frame, 8),
            .cframe_current_frame = if (layout.cframe_current_frame) |at| try aligned(at, 8) else null,
            .native_thread_id = try aligned(layout.thread_id, 8),
            .id_is_pthread = !layout.thread_id_is_native,
            .base_frame = null,
            .holds_gil = null,
            .exc_info = try aligned(layout.thread_exc_info, 8),
            .exc_state = try aligned(layout.thread_exc_state, 8),
            .read_bytes = 0,
        },
        .exc_item = .{ .value = try aligned(layout.exc_item_value, 8), .previous = try aligned(layout.exc_item_previous, 8) },
        .frame = .{
            .previous = try aligned(layout.frame_previous, 8),
            .executable = try aligned(layout.frame_code, 8),
            .instr_ptr = try aligned(layout.frame_instr, if (has_frame_objects) 4 else 8),
            .instr_kind = if (!has_frame_objects) .prev_pointer else if (minor_version >= 10) .lasti_units else .lasti_bytes,
            .owner = layout.frame_owner,
            .is_entry = layout.frame_is_entry,
            .refcount = if (has_frame_objects) try aligned(layout.ob_refcnt, 8) else null,
            .read_bytes = 0,
        },
        .code = .{
            .size = layout.code_size,
            .filename = try aligned(layout.code_filename, 8),
            .name = try aligned(layout.code_name, 8),
            // No `co_qualname` before 3.11: the plain name stands in for it.
            .qualname = try aligned(layout.code_qualname orelse layout.code_name, 8),
            .linetable = try aligned(layout.code_linetable, 8),
            .firstlineno = try aligned(layout.code_firstlineno, 4),
            .co_code_adaptive = layout.code_adaptive orelse 0,
            .first_traceable = if (layout.code_adaptive) |at| try firstTraceable(at) else null,
            .co_code = if (layout.code_co_code) |at| try aligned(at, 8) else null,
        },
        .object = .{ .ob_type = try aligned(layout.ob_type, 8), .ob_size = try aligned(layout.var_ob_size, 8) },
        .type_object = .{ .tp_name = try aligned(layout.tp_name, 8) },
        .unicode = .{
            .state = try aligned(layout.unicode_state, 4),
            .length = try aligned(layout.unicode_length, 8),
            .ascii_data = layout.unicode_ascii_size,
            .compact_data = layout.unicode_compact_size,
        },
        .bytes = .{ .ob_size = try aligned(layout.var_ob_size, 8), .ob_sval = layout.bytes_ob_sval },
        .locals = .{
            .frame_values = try aligned(layout.frame_localsplus, 8),
            .code_names = try aligned(layout.code_localsplusnames, 8),
            .code_kinds = if (layout.code_localspluskinds) |at| try aligned(at, 8) else null,
            .tuple_items = try aligned(layout.tuple_ob_item, 8),
            .long_digits = try aligned(layout.long_ob_digit, 4),
            .long_tagged = minor_version >= 12,
            .float_value = try aligned(layout.float_ob_fval, 8),
            .dict_used = try aligned(layout.dict_ma_used, 8),
            .set_used = try aligned(layout.set_used, 8),
            .cell_ref = try aligned(layout.cell_ob_ref, 8),
        },
    };
    if (has_frame_objects == (layout.code_adaptive != null)) return error.Inconsistent;
    const t = offsets.thread;
    offsets.thread.read_bytes = 8 + @max(t.next, t.current_frame, t.native_thread_id, t.exc_info, t.exc_state + offsets.exc_item.previous);
    const f = offsets.frame;
    offsets.frame.read_bytes = 8 + @max(f.previous, f.executable, f.instr_ptr, f.owner orelse 0, f.refcount orelse 0, f.is_entry orelse 0);
    if (offsets.thread.read_bytes > @min(limits.thread_state_bytes_max, layout.thread_size)) return error.Inconsistent;
    if (offsets.frame.read_bytes > 256) return error.Inconsistent;
    if (offsets.code.size > limits.code_header_bytes_max) return error.Inconsistent;
    const c = offsets.code;
    if (8 + @max(c.filename, c.name, c.qualname, c.linetable, c.co_code orelse 0, offsets.object.ob_size) > c.size) return error.Inconsistent;
    return offsets;
}

/// Where `_co_firsttraceable` is, from where the bytecode starts (see `code.first_traceable`).
fn firstTraceable(co_code_adaptive: u64) Error!u64 {
    if (co_code_adaptive < 16 or co_code_adaptive % 8 != 0) return error.Inconsistent;
    return co_code_adaptive - 16;
}

fn aligned(offset: u64, width: u64) Error!u64 {
    if (offset % width != 0 or offset >= limits.struct_bytes_max) return error.Inconsistent;
    return offset;
}

/// A `_Py_DebugOffsets` record as u64 values at byte positions.
const Record = struct {
    bytes: []const u8,

    fn get(r: Record, position: u16) u64 {
        return std.mem.readInt(u64, r.bytes[position..][0..8], .little);
    }

    fn structSize(r: Record, position: u16) Error!u64 {
        const size = r.get(position);
        if (size == 0 or size >= limits.struct_bytes_max) return error.Inconsistent;
        return size;
    }

    /// An offset of a `width`-byte field, which must be aligned and inside its struct.
    fn field(r: Record, position: u16, width: u64, struct_size: u64) Error!u64 {
        const offset = r.get(position);
        if (offset % width != 0 or offset + width > struct_size) return error.Inconsistent;
        return offset;
    }
};

/// Byte positions, inside the record, of the fields the helper uses.
const RecordLayout = struct {
    record_bytes: u16,
    free_threaded: u16 = 16,
    runtime_size: u16 = 24,
    interpreters_head: u16 = 40,
    interpreter_size: u16 = 48,
    interpreter_id: u16 = 56,
    interpreter_next: u16 = 64,
    threads_head: u16 = 72,
    threads_main: ?u16,
    gil_locked: u16,
    gil_holder: u16,
    code_object_generation: ?u16 = null,
    thread_size: u16,
    thread_next: u16,
    current_frame: u16,
    base_frame: ?u16,
    native_thread_id: u16,
    holds_gil: ?u16,
    interpreter_gc: u16,
    gc_size: u16,
    gc_collecting: u16,
    /// 3.15: positions of `thread_state.current_exception`, `thread_state.exc_state` and
    /// `err_stackitem.exc_value`.
    current_exception: ?u16 = null,
    exc_state: ?u16 = null,
    err_item_value: ?u16 = null,
    /// 3.13/3.14 do not export the exception fields: their offsets in `PyThreadState`,
    /// measured live on 3.13.0 and Debian's 3.13 and 3.14 (unwinding.md Table 3.4).
    exceptions: struct { exc_info: u64, exc_state: u64 } = .{ .exc_info = 0, .exc_state = 0 },
    frame_size: u16,
    frame_previous: u16,
    frame_executable: u16,
    frame_instr_ptr: u16,
    frame_owner: u16,
    frame_localsplus: u16,
    code_size: u16,
    code_filename: u16,
    code_name: u16,
    code_qualname: u16,
    code_linetable: u16,
    code_firstlineno: u16,
    code_localsplusnames: u16,
    code_localspluskinds: u16,
    code_adaptive: u16,
    object_size: u16,
    ob_type: u16,
    type_size: u16,
    tp_name: u16,
    tuple_size: u16,
    tuple_ob_size: u16,
    tuple_ob_item: u16,
    bytes_size: u16,
    bytes_ob_size: u16,
    bytes_ob_sval: u16,
    unicode_size: u16,
    unicode_state: u16,
    unicode_length: u16,
    unicode_ascii_size: u16,
    unicode_compact_size: ?u16,

    const v3_13: RecordLayout = .{
        .record_bytes = 584,
        .threads_main = null,
        .gil_locked = 136,
        .gil_holder = 144,
        .thread_size = 152,
        .thread_next = 168,
        .current_frame = 184,
        .base_frame = null,
        .native_thread_id = 200,
        .holds_gil = null,
        .interpreter_gc = 80,
        .gc_size = 568,
        .gc_collecting = 576,
        .exceptions = .{ .exc_info = 120, .exc_state = 256 },
        .frame_size = 224,
        .frame_previous = 232,
        .frame_executable = 240,
        .frame_instr_ptr = 248,
        .frame_owner = 264,
        .frame_localsplus = 256,
        .code_size = 272,
        .code_filename = 280,
        .code_name = 288,
        .code_qualname = 296,
        .code_linetable = 304,
        .code_firstlineno = 312,
        .code_localsplusnames = 328,
        .code_localspluskinds = 336,
        .code_adaptive = 344,
        .object_size = 352,
        .ob_type = 360,
        .type_size = 368,
        .tp_name = 376,
        .tuple_size = 400,
        .tuple_ob_size = 416,
        .tuple_ob_item = 408,
        .bytes_size = 512,
        .bytes_ob_size = 520,
        .bytes_ob_sval = 528,
        .unicode_size = 536,
        .unicode_state = 544,
        .unicode_length = 552,
        .unicode_ascii_size = 560,
        .unicode_compact_size = null,
    };

    const v3_14: RecordLayout = .{
        .record_bytes = 760,
        .threads_main = 80,
        .gil_locked = 144,
        .gil_holder = 152,
        .code_object_generation = 160,
        .thread_size = 176,
        .thread_next = 192,
        .current_frame = 208,
        .base_frame = null,
        .native_thread_id = 224,
        .holds_gil = null,
        .interpreter_gc = 88,
        .gc_size = 648,
        .gc_collecting = 656,
        .exceptions = .{ .exc_info = 120, .exc_state = 256 },
        .frame_size = 248,
        .frame_previous = 256,
        .frame_executable = 264,
        .frame_instr_ptr = 272,
        .frame_owner = 288,
        .frame_localsplus = 280,
        .code_size = 312,
        .code_filename = 320,
        .code_name = 328,
        .code_qualname = 336,
        .code_linetable = 344,
        .code_firstlineno = 352,
        .code_localsplusnames = 368,
        .code_localspluskinds = 376,
        .code_adaptive = 384,
        .object_size = 400,
        .ob_type = 408,
        .type_size = 416,
        .tp_name = 424,
        .tuple_size = 448,
        .tuple_ob_size = 464,
        .tuple_ob_item = 456,
        .bytes_size = 592,
        .bytes_ob_size = 600,
        .bytes_ob_sval = 608,
        .unicode_size = 616,
        .unicode_state = 624,
        .unicode_length = 632,
        .unicode_ascii_size = 640,
        .unicode_compact_size = null,
    };

    const v3_15: RecordLayout = .{
        .record_bytes = 888,
        .threads_main = 80,
        .gil_locked = 144,
        .gil_holder = 152,
        .code_object_generation = 160,
        .thread_size = 176,
        .thread_next = 192,
        .current_frame = 208,
        .base_frame = 216,
        .native_thread_id = 248,
        .holds_gil = 272,
        .interpreter_gc = 88,
        .gc_size = 752,
        .gc_collecting = 760,
        .current_exception = 288,
        .exc_state = 296,
        .err_item_value = 304,
        .frame_size = 312,
        .frame_previous = 320,
        .frame_executable = 328,
        .frame_instr_ptr = 336,
        .frame_owner = 352,
        .frame_localsplus = 344,
        .code_size = 376,
        .code_filename = 384,
        .code_name = 392,
        .code_qualname = 400,
        .code_linetable = 408,
        .code_firstlineno = 416,
        .code_localsplusnames = 432,
        .code_localspluskinds = 440,
        .code_adaptive = 448,
        .object_size = 464,
        .ob_type = 472,
        .type_size = 480,
        .tp_name = 488,
        .tuple_size = 544,
        .tuple_ob_size = 560,
        .tuple_ob_item = 552,
        .bytes_size = 688,
        .bytes_ob_size = 696,
        .bytes_ob_sval = 704,
        .unicode_size = 712,
        .unicode_state = 720,
        .unicode_length = 728,
        .unicode_ascii_size = 736,
        .unicode_compact_size = 744,
    };
};

const testing = std.testing;

/// The 3.13.0 record as dumped from a live interpreter (unwinding.md section 2.2, x86_64 GIL).
pub fn liveRecord3_13() [584]u8 {
    var record: [584]u8 = @splat(0);
    @memcpy(record[0..8], cookie);
    const values = [_]struct { u16, u64 }{
        .{ 8, 0x030d00f0 }, .{ 24, 283320 }, .{ 40, 632 },  .{ 48, 194968 }, .{ 56, 7272 },
        .{ 64, 7264 },      .{ 72, 7344 },   .{ 136, 7768 }, .{ 144, 7760 },  .{ 152, 304 },
        .{ 168, 8 },        .{ 184, 72 },    .{ 200, 160 },  .{ 224, 80 },    .{ 232, 8 },
        .{ 240, 0 },        .{ 248, 56 },    .{ 264, 70 },   .{ 272, 208 },   .{ 280, 112 },
        .{ 288, 120 },      .{ 296, 128 },   .{ 304, 136 },  .{ 312, 68 },    .{ 344, 200 },
        .{ 352, 16 },       .{ 360, 8 },     .{ 368, 416 },  .{ 376, 24 },    .{ 400, 32 },
        .{ 416, 16 },       .{ 512, 40 },    .{ 520, 16 },   .{ 528, 32 },    .{ 536, 64 },
        .{ 544, 32 },       .{ 552, 16 },    .{ 560, 40 },   .{ 80, 7400 },   .{ 568, 240 },
        .{ 576, 200 },      .{ 256, 72 },    .{ 328, 96 },   .{ 336, 104 },   .{ 408, 24 },
    };
    for (values) |entry| std.mem.writeInt(u64, record[entry[0]..][0..8], entry[1], .little);
    return record;
}

test "a 3.13.0 record gives the offsets the walker needs" {
    const record = liveRecord3_13();
    const offsets = try fromDebugOffsets(&record);
    try testing.expectEqual(@as(u8, 13), offsets.minor());
    try testing.expectEqual(@as(u64, 632), offsets.runtime.interpreters_head);
    try testing.expectEqual(@as(?u64, null), offsets.interpreter.threads_main);
    try testing.expectEqual(@as(u64, 7768), offsets.interpreter.gil_locked);
    try testing.expectEqual(@as(u64, 72), offsets.thread.current_frame);
    // Up to the end of the embedded `exc_state` item (256 + 16).
    try testing.expectEqual(@as(u64, 272), offsets.thread.read_bytes);
    try testing.expectEqual(@as(u64, 120), offsets.thread.exc_info);
    try testing.expectEqual(@as(u64, 7600), offsets.interpreter.gc_collecting);
    try testing.expectEqual(@as(?u64, null), offsets.interpreter.code_generation);
    try testing.expectEqual(@as(u64, 70), offsets.frame.owner);
    try testing.expectEqual(@as(u64, 200), offsets.code.co_code_adaptive);
    try testing.expectEqual(@as(?u64, 184), offsets.code.first_traceable);
    try testing.expectEqual(@as(u64, 40), offsets.unicode.ascii_data);
    try testing.expectEqual(@as(u64, 56), offsets.unicode.compact_data);
    try testing.expectEqual(@as(u64, 32), offsets.bytes.ob_sval);
    try testing.expectEqual(@as(u64, 72), offsets.locals.frame_values);
    try testing.expectEqual(@as(u64, 96), offsets.locals.code_names);
    try testing.expectEqual(@as(?u64, 104), offsets.locals.code_kinds);
    try testing.expectEqual(@as(u64, 24), offsets.locals.tuple_items);
}

test "records that must be refused" {
    var record = liveRecord3_13();
    record[0] = 'X';
    try testing.expectError(error.NoCookie, fromDebugOffsets(&record));

    record = liveRecord3_13();
    std.mem.writeInt(u64, record[8..16], 0x030c01f0, .little);
    try testing.expectError(error.UnsupportedVersion, fromDebugOffsets(&record));

    record = liveRecord3_13();
    std.mem.writeInt(u64, record[16..24], 1, .little);
    try testing.expectError(error.FreeThreaded, fromDebugOffsets(&record));

    record = liveRecord3_13();
    std.mem.writeInt(u64, record[248..256], 57, .little); // misaligned instr_ptr
    try testing.expectError(error.Inconsistent, fromDebugOffsets(&record));

    var early_3_15: [888]u8 = @splat(0);
    @memcpy(early_3_15[0..8], cookie);
    std.mem.writeInt(u64, early_3_15[8..16], 0x030f00b3, .little);
    try testing.expectError(error.PreRelease, fromDebugOffsets(&early_3_15));
}

test "the supported range is what the tables and records cover" {
    try testing.expect(builtinFor(minor_min - 1) == null);
    for (minor_min..13) |minor_version| try testing.expect(builtinFor(@intCast(minor_version)) != null);
    var record = liveRecord3_13();
    for (13..minor_max + 2) |minor_version| {
        std.mem.writeInt(u64, record[8..16], 0x030000f0 | @as(u64, minor_version) << 16, .little);
        const refused = if (fromDebugOffsets(&record)) |_| false else |err| err == error.UnsupportedVersion;
        try testing.expectEqual(minor_version > minor_max, refused);
    }
}

test "every built-in table gives consistent offsets" {
    for (8..13) |minor_version| {
        const layout = builtinFor(@intCast(minor_version)).?;
        const offsets = try fromBuiltin(layout, layout.measured_version_hex);
        try testing.expectEqual(Source.builtin_table, offsets.source);
        try testing.expectEqual(@as(?u64, null), offsets.interpreter.threads_main);
        try testing.expectEqual(minor_version <= 11, offsets.interpreter.gil_in_runtime);
        try testing.expectEqual(minor_version >= 11, offsets.frame.owner != null);
        try testing.expectEqual(minor_version >= 11, offsets.thread.cframe_current_frame != null);
        try testing.expectEqual(minor_version <= 10, offsets.code.co_code != null);
    }
    try testing.expectEqual(@as(?*const BuiltinLayout, null), builtinFor(7));
    try testing.expectEqual(@as(?*const BuiltinLayout, null), builtinFor(13));
}

test "built-in layouts per version family (unwinding.md Appendix A)" {
    const v3_8 = try fromBuiltin(builtinFor(8).?, 0x03080000);
    try testing.expectEqual(InstrKind.lasti_bytes, v3_8.frame.instr_kind);
    try testing.expectEqual(@as(u64, 104), v3_8.frame.instr_ptr);
    try testing.expectEqual(@as(u64, 120), v3_8.code.linetable);
    try testing.expectEqual(v3_8.code.name, v3_8.code.qualname);
    try testing.expectEqual(@as(u64, 48), v3_8.unicode.ascii_data);
    try testing.expectEqual(@as(u64, 144), v3_8.thread.exc_info);
    try testing.expectEqual(@as(u64, 24), v3_8.exc_item.previous);
    try testing.expectEqual(@as(u64, 544), v3_8.interpreter.gc_collecting);
    try testing.expect(v3_8.interpreter.gc_in_runtime);
    const v3_10 = try fromBuiltin(builtinFor(10).?, 0x030a0000);
    try testing.expectEqual(InstrKind.lasti_units, v3_10.frame.instr_kind);
    try testing.expectEqual(@as(u64, 96), v3_10.frame.instr_ptr);
    const v3_11 = try fromBuiltin(builtinFor(11).?, 0x030b07f0);
    try testing.expectEqual(InstrKind.prev_pointer, v3_11.frame.instr_kind);
    try testing.expectEqual(@as(?u64, 8), v3_11.thread.cframe_current_frame);
    try testing.expectEqual(@as(u64, 184), v3_11.code.co_code_adaptive);
    try testing.expectEqual(@as(?u64, 168), v3_11.code.first_traceable);
    const v3_12 = try fromBuiltin(builtinFor(12).?, 0x030c01f0);
    try testing.expectEqual(@as(?u64, 70), v3_12.frame.owner);
    try testing.expectEqual(@as(u64, 192), v3_12.code.co_code_adaptive);
    try testing.expectEqual(@as(?u64, 176), v3_12.code.first_traceable);
    try testing.expectEqual(@as(u64, 40), v3_12.unicode.ascii_data);
    try testing.expectEqual(@as(u64, 56), v3_12.unicode.compact_data);
    try testing.expectEqual(false, v3_12.interpreter.gil_in_runtime);
    try testing.expectError(error.UnsupportedVersion, fromBuiltin(builtinFor(12).?, 0x030b0000));
}

test "py_tables.zig is what tools/gen_offsets.sh writes (regenerate: helper/tools/gen_offsets.sh)" {
    // The generator needs the pyenv interpreters; here only the file's shape is checked.
    try testing.expect(std.mem.startsWith(u8, @embedFile("py_tables.zig"), "//! Built-in CPython layouts"));
    try testing.expect(std.mem.find(u8, @embedFile("py_tables.zig"), "GENERATED by helper/tools/gen_offsets.sh") != null);
}
