//! Builds `tachyon-helper`, the small static sampler the orchestrator spawns.
//!
//! `zig build` installs `zig-out/bin/tachyon-helper` for x86_64-linux-musl (static, ReleaseSafe
//! so that assertions and bounds checks stay on, stripped: no debug info that a panic could
//! follow to source files, see `docs/security.md`); `zig build test` runs the unit tests that sit
//! next to the code in every `helper/*.zig` file.
//!
//! Options: `-Ddebug-info=true` keeps the debug info (development: symbolized stack traces);
//! `-Dtest-hooks=true` adds the hidden `--test-panic=before-drop|after-drop` option the
//! integration tests use. Neither belongs in a build that is installed setuid.

const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{
        .default_target = .{ .cpu_arch = .x86_64, .os_tag = .linux, .abi = .musl },
    });
    const optimize = b.option(std.builtin.Optimize, "optimize", "Optimization mode (default: safe)") orelse .safe;
    const debug_info = b.option(bool, "debug-info", "Keep debug info in the helper (development only; default: stripped)") orelse false;
    const test_hooks = b.option(bool, "test-hooks", "Accept the hidden --test-panic option (tests only; default: false)") orelse false;

    const build_options = b.addOptions();
    build_options.addOption(bool, "test_hooks", test_hooks);

    const helper_module = b.createModule(.{
        .root_source_file = b.path("helper/main.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = false,
        .strip = !debug_info,
    });
    helper_module.addOptions("build_options", build_options);

    const exe = b.addExecutable(.{
        .name = "tachyon-helper",
        .root_module = helper_module,
        .linkage = .static,
    });
    b.installArtifact(exe);

    const run = b.addRunArtifact(exe);
    run.step.dependOn(b.getInstallStep());
    run.addPassthruArgs();
    b.step("run", "Run the helper (pass its options after --)").dependOn(&run.step);

    // Tests run on the host: the helper only targets x86_64 Linux, so the host must be one too.
    const test_module = b.createModule(.{
        .root_source_file = b.path("helper/main.zig"),
        .target = b.graph.host,
        .optimize = .debug,
    });
    test_module.addOptions("build_options", build_options);
    const tests = b.addTest(.{ .root_module = test_module });
    const run_tests = b.addRunArtifact(tests);
    // Always run, so that every `zig build test` reports its counts (cached runs print none).
    run_tests.has_side_effects = true;
    b.step("test", "Run the helper's unit tests").dependOn(&run_tests.step);
}
