//! The `dbn` binary: install panic handling, parse, dispatch, exit.
//! Everything else is in the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    dbn::cli::panic::install();
    let cli = dbn::cli::Cli::parse();
    let code = dbn::cli::dispatch(cli);
    std::process::ExitCode::from(code.code())
}
