//! Every maximum the helper obeys, in one place.
//!
//! The helper allocates only at start-up and never loops without a bound: each buffer size and
//! each loop bound below is named here, with the relations between them checked at compile time.
//! Protocol-visible limits (the stack depth, the rate range) are also documented in
//! `docs/protocol.md`.

const std = @import("std");

/// Frames reported per sample; deeper stacks keep the leaf-most frames and end with the
/// truncation marker.
pub const stack_depth_max = 4096;
/// Frames visited per walk, including the shim and sentinel frames that are not reported.
pub const frame_chain_max = 2 * stack_depth_max + 16;
/// Threads sampled per tick, across all interpreters (one budget for the whole tick).
pub const threads_max = 4096;
/// Interpreters visited per tick.
pub const interpreters_max = 256;
/// Slots of the set of thread states a tick has visited (`thread_list.Seen`): twice the most a
/// tick admits, so that probing stays short.
pub const seen_slots = 2 * threads_max;
/// The longest a tick may take: the larger of `tick_intervals_max` intervals and
/// `tick_time_floor_ns`. A tick that overruns its interval already makes the next ticks late
/// (counted as missed), so a few intervals cost nothing that the stream does not already show.
/// The floor is for high rates (0.1 ms at 10 kHz): a thread whose pages are not hot costs about
/// 25 us to sample (measured on copies of one thread state), so 100 ms lets a tick of about
/// 4000 such threads, the thread budget, finish. A tick that reaches the limit ends at once and is
/// counted as failed (`sample_failed` `tick_cut`); the threads after that point are not sampled
/// in that tick. Without it, a target whose lists point to themselves kept one tick going for
/// seconds, at tens of MB of output. Stops are checked between threads, so a tick ends on one
/// within the time of one thread's walk, whatever this limit.
pub const tick_intervals_max = 4;
pub const tick_time_floor_ns = 100 * std.time.ns_per_ms;

pub fn tickTimeMaxNs(interval_ns: u64) u64 {
    return @max(tick_intervals_max *| interval_ns, tick_time_floor_ns);
}

/// Accepted sampling rates.
pub const rate_hz_min = 1;
pub const rate_hz_max = 200_000;
/// Re-reads of a torn stack before it is reported as failed.
pub const retries_max = 64;
pub const retries_default = 4;
/// Extra re-reads of a stack (before 3.11) whose walk reached a freed frame object: a leaf
/// that returned between the read of the thread state and that of its frame.
pub const freed_frame_rereads_max = 32;

/// Code points kept of a name or file name.
pub const name_code_points_max = 1024;
/// Bytes of a name or file name once converted to UTF-8.
pub const name_bytes_max = name_code_points_max * 4;
/// Bytes of a `co_linetable` sent in a `code` record; a longer table is sent empty.
pub const line_table_bytes_max = 1 << 20;
/// Distinct code objects remembered; the cache is cleared when it is full.
pub const code_cache_entries_max = 65536;

/// Size of a target page, the unit of the frame cache.
pub const page_bytes = 4096;
/// Pages held by the per-sample frame cache.
pub const frame_cache_pages = 256;
/// Pages fetched by one `process_vm_readv` when a frame's page is missing: the page itself and
/// the pages below it, where the callers' frames live.
pub const frame_read_ahead_pages = 8;
/// Bytes of a `PyThreadState` window read per thread (3.15 keeps `base_frame` past `size`).
pub const thread_state_bytes_max = 4096;
/// Bytes of a code object header (`code_object.size`).
pub const code_header_bytes_max = 1024;
/// Remote iovecs per `process_vm_readv` (the kernel's IOV_MAX).
pub const iovecs_max = 1024;

/// Bytes of `/proc/PID/maps` read; a target with more mappings is scanned up to this size.
pub const maps_bytes_max = 4 << 20;
/// Bytes of a path from `/proc/PID/maps`.
pub const path_bytes_max = 4096;
/// Threads of the target whose credentials a privileged helper checks (`os/linux/access_rule.zig`);
/// a target with more is refused. The kernel's default `pid_max` is 4,194,304.
pub const rule_threads_max = 1 << 22;
/// Bytes of a `/proc/PID/status` or `/proc/PID/task/TID/status` read (a few KiB in practice;
/// the `NSpid:` line comes before the 1 KiB mark).
pub const status_bytes_max = 8192;
/// Bytes of `/proc/PID/auxv` kept in a snapshot (the kernel keeps at most 2 x 50 words).
pub const auxv_bytes_max = 1024;
/// Runtime candidates (ELF files) inspected.
pub const candidates_max = 64;
/// ELF program and section headers read per file.
pub const elf_headers_max = 512;
/// Symbols examined per symbol table.
pub const elf_symbols_max = 1 << 22;
/// Bytes of an ELF string table read at once (a whole libpython `.strtab` fits).
pub const elf_string_window_bytes = 8 << 20;
/// Bytes of writable mappings scanned for the debug-offsets cookie in stripped targets.
pub const cookie_scan_bytes_max = 256 << 20;
/// Bytes of the `_Py_DebugOffsets` record read at the runtime address.
pub const debug_offsets_bytes_max = 1024;
/// Largest structure size accepted from the debug offsets (CPython's own validator uses 1 MiB).
pub const struct_bytes_max = 1 << 20;

/// Bytes of the stdout buffer. It is flushed when half full, so a largest message always fits.
pub const output_bytes = 2 * message_bytes_max;
/// Largest encoded message: a `code` record with three names and a full line table.
pub const message_bytes_max = line_table_bytes_max + 3 * name_bytes_max + 256;
/// Longest time a message waits in the stdout buffer. Each flush wakes the orchestrator, whose
/// cost per wake-up (its stream machinery, rarely hot enough to be optimized) was most of its CPU
/// at 1 kHz with 100 ms; a helper killed by SIGKILL loses at most this much.
pub const output_latency_ns_max = 500 * std.time.ns_per_ms;
/// Bytes after which the stdout buffer is written out between ticks: half of a pipe's default
/// 64 KiB, so that a write fits in the pipe instead of waiting for the orchestrator to read (at
/// 10 kHz half a second of samples is about 280 KB, and a tick blocked in `write` is missed).
pub const output_flush_bytes = 32 << 10;
/// How often stdin is polled for end of file (`--stop-on-stdin-eof`).
pub const stdin_poll_interval_ns = 20 * std.time.ns_per_ms;
/// How often `/proc/PID/stat` is read to notice that the target exited.
pub const liveness_interval_ns = 100 * std.time.ns_per_ms;
/// How long the main interpreter's and main thread's addresses are trusted between re-reads.
pub const roots_refresh_interval_ns = 100 * std.time.ns_per_ms;
/// Pages a thread's previous walk touched (its frames: data-stack pages, C-stack entry frames,
/// frame objects before 3.11), read again together with its thread state: in steady state a
/// walk then finds every frame already fetched.
pub const hot_frame_pages = 64;
/// Walks a hot page or code object stays in its set without being used (a recursion that comes
/// and goes, a program alternating between two phases).
pub const hot_page_walks = 8;
/// Bytes read beyond the top of a hot page's used part (a quarter as many below it): a stack
/// that grows a little deeper than in recent walks is still found in the prefetched bytes. A
/// walk that goes further misses once, reads the whole page, and widens the part for next time.
pub const hot_part_margin_bytes = 256;
/// Code objects of a thread's recent walks whose headers are read with its thread state.
pub const hot_codes_max = 32;
/// Threads whose recent pages and code objects are remembered (`Sampler.LeafPage`), found by
/// a hash of the thread state's address and at most `leaf_page_probes` slots of probing.
pub const leaf_page_slots = 256;
pub const leaf_page_probes = 8;
/// `--locals`: local variables shown per frame.
pub const locals_max = 64;
/// Items of a thread's handled-exception stack visited per sample (one per running generator
/// or coroutine, plus the thread's own).
pub const exception_stack_max = 64;
/// `/proc/PID/task/TID/stat` descriptors kept open for `--cpu-state` (direct-mapped by TID).
pub const task_stat_fds_max = 256;
/// Bytes of a `/proc/PID/task/TID/stat` read: enough to reach the state letter after a
/// 16-byte command name.
pub const task_stat_bytes = 64;
/// Threads whose OS name is remembered (`ThreadNames.zig`, direct-mapped by TID).
pub const thread_names_max = 256;
/// How often a sampled thread's OS name is read again.
pub const thread_name_recheck_ns = std.time.ns_per_s;
/// `--blocking`: threads stopped per tick.
pub const blocking_threads_max = 4096;
/// `--blocking`: `waitpid` calls per thread and tick (interrupted calls are retried).
pub const blocking_wait_attempts_max = 16;
/// `--blocking`: the highest rate accepted. Each tick stops and resumes every thread of the
/// target (three system calls per thread and two context switches), and the target cannot run
/// while it is stopped: above this the target would spend a large part of its time stopped.
pub const blocking_rate_hz_max = 1000;
/// `--realtime`: the highest rate at which the helper asks for real-time scheduling (`Priority.zig`).
pub const realtime_rate_hz_max = 20_000;
/// `--realtime`: the share of one CPU (in percent, over one stats window) above which the helper
/// gives real-time scheduling back.
pub const realtime_cpu_percent_max = 50;
/// How often a `stats` message is sent.
pub const stats_interval_ns = std.time.ns_per_s;
/// The end of user-space addresses on x86_64 (with 5-level paging; 2^47 with 4 levels): a pointer
/// read from the target at or above it is garbage from a torn read, never followed.
pub const user_address_end: u64 = 1 << 56;
/// Bytes of `.rodata` searched for the `PY_VERSION` string.
pub const rodata_scan_bytes_max = 64 << 20;
/// Bytes of the main thread's `struct pthread` searched for its tid (glibc keeps it near 0x2d0).
pub const pthread_scan_bytes = 2048;
/// Threads whose ids the PID-namespace table translates (`os.pid_namespace`).
pub const pid_namespace_threads_max = threads_max;
/// Shortest time between two re-listings of the target's threads for the PID-namespace table,
/// made when a thread id it does not know shows up (a new thread, or a hostile id).
pub const pid_namespace_refresh_interval_ns = 10 * std.time.ns_per_ms;
/// Largest kernel thread id (`/proc/sys/kernel/pid_max` cannot exceed 2^22).
pub const pid_max = 1 << 22;

comptime {
    std.debug.assert(frame_read_ahead_pages <= frame_cache_pages);
    std.debug.assert(hot_frame_pages <= frame_cache_pages);
    std.debug.assert(frame_cache_pages <= iovecs_max);
    std.debug.assert(std.math.isPowerOfTwo(frame_cache_pages));
    // A full stack (two integers per frame, each at most 9 bytes) fits in the output buffer.
    std.debug.assert((stack_depth_max + 1) * 2 * 9 + 64 <= message_bytes_max);
    std.debug.assert(output_bytes >= 2 * message_bytes_max);
    std.debug.assert(retries_default <= retries_max);
    std.debug.assert(std.math.isPowerOfTwo(seen_slots) and seen_slots >= 2 * threads_max);
}
