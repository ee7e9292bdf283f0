//! The whole CLI surface: every subcommand has help with examples, and bad
//! arguments give a clean usage error (exit 2), never a panic.

mod common;

use clap::CommandFactory;
use common::Sandbox;

/// Every leaf and intermediate subcommand path, e.g. ["connect", "add"].
fn paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            prefix.push(sub.get_name().to_string());
            out.push(prefix.clone());
            walk(sub, prefix, out);
            prefix.pop();
        }
    }
    let mut out = Vec::new();
    walk(&dbn::cli::Cli::command(), &mut Vec::new(), &mut out);
    out
}

#[test]
fn clap_definitions_are_consistent() {
    dbn::cli::Cli::command().debug_assert();
}

#[test]
fn every_leaf_command_has_examples_in_its_help() {
    let mut missing = Vec::new();
    let root = dbn::cli::Cli::command();
    for path in paths() {
        let mut cmd = &root;
        for p in &path {
            cmd = cmd.find_subcommand(p).unwrap();
        }
        let has_children = cmd.get_subcommands().any(|c| c.get_name() != "help");
        if has_children {
            continue;
        }
        let help = cmd.get_after_help().map(|h| h.to_string()).unwrap_or_default()
            + &cmd.get_after_long_help().map(|h| h.to_string()).unwrap_or_default();
        if !help.contains("Example") {
            missing.push(path.join(" "));
        }
    }
    assert!(missing.is_empty(), "commands without examples in --help: {missing:?}");
}

#[test]
fn bad_arguments_are_clean_usage_errors() {
    let s = Sandbox::new();
    for path in paths() {
        let out = s.cmd().args(&path).arg("--no-such-flag-xyz").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "dbn {} --no-such-flag-xyz: {stderr}",
            path.join(" ")
        );
        assert!(
            !stderr.contains("panicked"),
            "dbn {} panicked: {stderr}",
            path.join(" ")
        );
        let out = s.cmd().args(&path).arg("--help").output().unwrap();
        assert!(out.status.success(), "dbn {} --help failed", path.join(" "));
    }
}

#[test]
fn missing_required_arguments_never_panic() {
    let s = Sandbox::new();
    for path in paths() {
        // Commands that would open the TUI or wait on stdin are given a closed stdin.
        let out = s.cmd().args(&path).stdin(std::process::Stdio::null()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked"),
            "dbn {} panicked: {stderr}",
            path.join(" ")
        );
        assert_ne!(
            out.status.code(),
            Some(70),
            "dbn {} hit an internal error: {stderr}",
            path.join(" ")
        );
        assert_ne!(out.status.code(), Some(101), "dbn {}: {stderr}", path.join(" "));
    }
}
