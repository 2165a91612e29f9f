//! `sunlight fmt`: format rule files in place, or list those not
//! formatted (`--check`).

use std::fmt::Write as _;
use std::process::ExitCode;

use sunlight::workspace::{self, InputLimits};

use super::args::FmtArgs;

pub(super) fn fmt(args: &FmtArgs) -> ExitCode {
    let mut errors = Vec::new();
    let files = workspace::rule_files(&args.paths, &mut errors);
    let mut unformatted = 0;
    let mut out = String::new();
    let mut broken = errors.len();
    for e in &errors {
        eprintln!(
            "{}",
            sunlight::report::human::one_line(e, &sunlight::source::SourceMap::new())
        );
    }
    for path in &files {
        let name = workspace::display_path(path);
        // A linked rule file is formatted where it really is; the link stays.
        let target = path.canonicalize().unwrap_or_else(|_| path.clone());
        let text = match workspace::read_text_bounded(&target, InputLimits::default().max_file_size)
        {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {name}: cannot read: {e}");
                broken += 1;
                continue;
            }
        };
        let Some(formatted) = sunlight::syntax::format::format(&text) else {
            eprintln!(
                "error: {name}: does not parse, left unformatted (run `sunlight check --rules {name}` to see why)"
            );
            broken += 1;
            continue;
        };
        if formatted == text {
            continue;
        }
        unformatted += 1;
        if args.check {
            let _ = writeln!(out, "{name}");
        } else if let Err(e) = workspace::write_atomically(&target, &formatted) {
            eprintln!("error: {name}: cannot write: {e}");
            broken += 1;
        } else {
            let _ = writeln!(out, "formatted {name}");
        }
    }
    let code = if broken > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::from(u8::from(args.check && unformatted > 0))
    };
    super::finish(&out, code)
}
