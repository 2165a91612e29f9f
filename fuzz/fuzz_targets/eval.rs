//! (c) Evaluation over generated records: bytes drive a small grammar of
//! orgs, meetings and disbursements (see `gen_records`), checked with the
//! standard rules. Every document written must be counted as checked or
//! rejected.
//!
//! With `SUNLIGHT_FUZZ_DUMP=DIR` the generated files are written to DIR,
//! to turn a crashing input into YAML for tests/fixtures/fuzz-regressions.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(set) = sunlight_fuzz::gen_records::record_set(&mut u) else {
        return;
    };
    if let Some(dir) = std::env::var_os("SUNLIGHT_FUZZ_DUMP") {
        let dir = std::path::PathBuf::from(dir);
        let _ = std::fs::create_dir_all(&dir);
        for (name, text) in &set.files {
            let _ = std::fs::write(dir.join(name), text);
        }
    }
    let files: Vec<(&str, &str)> = set
        .files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let (_sources, report) = sunlight_fuzz::check_records(&files);
    assert_eq!(
        report.summary.records, set.documents,
        "documents written and records read differ: {:?}",
        report.summary
    );
});
