//! Builds `tachyon-helper`, the small static sampler the orchestrator spawns.
//!
//! `zig build` installs `zig-out/bin/tachyon-helper` for x86_64-linux-musl (static, ReleaseSafe
//! so that assertions and bounds checks stay on); `zig build test` runs the unit tests that sit
//! next to the code in every `helper/*.zig` file.

const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{
        .default_target = .{ .cpu_arch = .x86_64, .os_tag = .linux, .abi = .musl },
    });
    const optimize = b.option(std.builtin.Optimize, "optimize", "Optimization mode (default: safe)") orelse .safe;

    const helper_module = b.createModule(.{
        .root_source_file = b.path("helper/main.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = false,
    });

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
    const tests = b.addTest(.{ .root_module = b.createModule(.{
        .root_source_file = b.path("helper/main.zig"),
        .target = b.graph.host,
        .optimize = .debug,
    }) });
    const run_tests = b.addRunArtifact(tests);
    // Always run, so that every `zig build test` reports its counts (cached runs print none).
    run_tests.has_side_effects = true;
    b.step("test", "Run the helper's unit tests").dependOn(&run_tests.step);
}
