//! The subcommands of the `sunlight` command: the arguments (`args`),
//! `check` with where its reports go (`output`), `explain`, `test`, `fmt`.
//! `diff` and `lsp` are run by the library.

mod args;
mod check;
mod explain;
mod fmt;
mod output;
mod test;

use std::process::ExitCode;

pub(crate) use args::Cli;
use args::Command;

/// End a command: write its output to standard output and exit with
/// `code`, or with 2 and a message when the output cannot be written.
fn finish(out: &str, code: ExitCode) -> ExitCode {
    match sunlight::workspace::write_stdout(out) {
        Ok(()) => code,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

/// Run the subcommand given on the command line.
pub(crate) fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(args) => check::check(&args),
        Command::Explain(args) => explain::explain(&args),
        Command::Diff(args) => ExitCode::from(sunlight::diff::command(&sunlight::diff::Options {
            before: args.before,
            before_rev: args.before_rev,
            after: args.after,
            json: args.format == "json",
            paths: args.paths,
        })),
        Command::Test(args) => test::test(&args),
        Command::Fmt(args) => fmt::fmt(&args),
        Command::Lsp => match sunlight::lsp::serve_stdio() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: the language server stopped: {e}");
                ExitCode::from(2)
            }
        },
    }
}
