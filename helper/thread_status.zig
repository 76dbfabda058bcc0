//! The thread status: the bits of a sample's `status` (main thread, GIL, collector, handled
//! exception, on CPU) and, on 3.8-3.10, the kernel tid behind a thread's `pthread_t`.

const std = @import("std");
const limits = @import("limits.zig");
const wire = @import("wire.zig");
const os = @import("os.zig");
const memory_interface = @import("memory.zig");
const word = memory_interface.wordAt;
const pthread_tid = @import("pthread_tid.zig");
const LeafPage = @import("LeafPage.zig");
const Output = @import("Output.zig");
const Sampler = @import("Sampler.zig");
const TaskStates = @import("TaskStates.zig");
const ThreadState = @import("thread_read.zig").ThreadState;

/// The status bits of a thread just walked. `state_before` is its OS state read before the
/// walk (`--cpu-state`).
pub fn statusBits(s: *Sampler, tstate: u64, main_thread: u64, thread: ThreadState, state_before: TaskStates.State) (memory_interface.Error || Output.Error)!u32 {
    var status: u32 = 0;
    // 3.13 has no `threads.main`: there the main thread is the oldest, the end of the list.
    const is_main = if (main_thread != 0) tstate == main_thread else thread.next == 0;
    if (is_main) status |= wire.ThreadStatus.main_thread;
    const has_gil = if (s.offsets.thread.holds_gil != null) thread.holds_gil else thread.gil_locked and thread.gil_holder == tstate;
    if (has_gil) status |= wire.ThreadStatus.has_gil;
    // The collector runs in the thread that holds the GIL.
    if (has_gil and thread.gc_collecting) status |= wire.ThreadStatus.gc_collecting;
    if (try hasException(s, tstate, thread)) status |= wire.ThreadStatus.has_exception;
    if (s.options.cpu_state) {
        switch (TaskStates.both(state_before, s.task_states.state(thread.native_thread_id))) {
            .on_cpu => status |= wire.ThreadStatus.on_cpu,
            .off_cpu => {},
            .unknown => status |= wire.ThreadStatus.cpu_unknown,
        }
    } else status |= wire.ThreadStatus.cpu_unknown;
    return status;
}

/// Whether the thread is handling an exception, as `sys.exc_info()` would say: the first item
/// of the handled-exception stack, from `exc_info` down, whose value is neither NULL nor `None`.
/// A running generator or coroutine pushes its own item, read here with one extra system call;
/// the thread's own item was read with the thread state.
fn hasException(s: *Sampler, tstate: u64, thread: ThreadState) (memory_interface.Error || Output.Error)!bool {
    const item_layout = s.offsets.exc_item;
    const embedded = tstate +% s.offsets.thread.exc_state;
    var item = thread.exc_info;
    for (0..limits.exception_stack_max) |_| {
        if (item == 0) return false;
        var value = thread.exc_state_value;
        var previous = thread.exc_state_previous;
        if (item != embedded) {
            // A torn read can leave any value here: only an aligned user-space address is followed.
            if (item % 8 != 0 or item >= limits.user_address_end) return false;
            var bytes: [32]u8 = undefined;
            const size: usize = @intCast(item_layout.previous + 8);
            s.memory.read(item, bytes[0..size]) catch |err| return if (err == error.Unmapped) false else err;
            value = word(&bytes, item_layout.value);
            previous = word(&bytes, item_layout.previous);
        }
        if (value != 0 and !try isNone(s, value)) return true;
        item = previous;
    }
    return false;
}

/// Whether `object` is `None`, learning None's address from its type's name the first time.
fn isNone(s: *Sampler, object: u64) memory_interface.Error!bool {
    if (object == s.none_object) return true;
    if (object == s.not_none_object or s.none_object != 0) return false;
    // Values come from memory the target may be changing: never do arithmetic on a wild pointer.
    if (object >= limits.user_address_end) return false;
    const ob_type = s.memory.readValue(u64, object +% s.offsets.object.ob_type) catch |err|
        return if (err == error.Unmapped) false else err;
    if (ob_type >= limits.user_address_end) return false;
    const name_address = s.memory.readValue(u64, ob_type +% s.offsets.type_object.tp_name) catch |err|
        return if (err == error.Unmapped) false else err;
    var name: [9]u8 = undefined;
    s.memory.read(name_address, &name) catch |err| return if (err == error.Unmapped) false else err;
    if (std.mem.eql(u8, &name, "NoneType\x00")) {
        s.none_object = object;
        return true;
    }
    s.not_none_object = object;
    return false;
}

/// 3.8-3.10: the kernel tid of the thread whose `pthread_t` is `pthread`. `predicted` is the tid
/// read in the thread state's system call from the `pthread_t` of the previous sample; it is
/// used when the `pthread_t` has not changed. Until the offset is known, and if a read fails,
/// the `pthread_t` itself is sent (docs/protocol.md).
pub fn tidOfPthread(s: *Sampler, pthread: u64, slot: *LeafPage, predicted: ?u32) u64 {
    defer slot.pthread = pthread;
    if (pthread == 0) return 0;
    if (pthread == slot.pthread) if (predicted) |tid| if (pthread_tid.plausibleTid(tid)) return tid;
    const at = s.tid_offset orelse return pthread;
    const tid = s.memory.readValue(u32, pthread +% at) catch return pthread;
    return if (pthread_tid.plausibleTid(tid)) tid else pthread;
}

/// 3.8-3.10: learns where the tid is in `struct pthread` from the main thread, once.
pub fn learnTidOffset(s: *Sampler, main_pthread: u64) void {
    if (s.tid_offset_searched or main_pthread == 0) return;
    s.tid_offset_searched = true;
    var bytes: [limits.pthread_scan_bytes]u8 = undefined;
    s.memory.read(main_pthread, &bytes) catch return;
    // `struct pthread` holds the tid in the target's own PID namespace.
    s.tid_offset = pthread_tid.findTidOffset(&bytes, s.pid_namespace.own_pid);
    const line = if (s.tid_offset != null) "tachyon-helper: kernel thread ids from struct pthread\n" else "tachyon-helper: no tid found in the main thread's struct pthread; thread ids are pthread_t values\n";
    os.files.writeStderr(line);
}
