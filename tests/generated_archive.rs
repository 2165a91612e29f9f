//! The scale benchmark's generated archive (`examples/gen_archive.rs`)
//! holds every kind of record of the four systems, and checking it gives
//! exactly the findings of the faults it was given: the benchmark measures
//! a run that does the whole job, and the generator cannot drift into
//! data that only makes noise.

use std::collections::BTreeMap;

mod common;
use common::*;

#[allow(dead_code)]
#[path = "../examples/gen_archive.rs"]
mod gen_archive;

#[test]
fn a_generated_archive_gives_exactly_the_findings_of_its_faults() -> TestResult {
    let dir = std::env::temp_dir().join(format!("sunlight-gen-archive-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // Twenty units: each fault once.
    let archive = gen_archive::generate(20 * 113, &dir)?;
    assert_eq!(archive.records, 20 * 113);
    let run = run_check_json(&dir, &["--no-config", "."]);
    let _ = std::fs::remove_dir_all(&dir);
    let (code, report) = run?;
    assert_eq!(code, Some(1));
    assert_eq!(
        report["errors"].as_array().map(Vec::len),
        Some(0),
        "{}",
        report["errors"]
    );
    assert_eq!(report["summary"]["checked"], 20 * 113);
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    for f in report["findings"].as_array().into_iter().flatten() {
        *found
            .entry(f["rule"].as_str().unwrap_or("?").to_string())
            .or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = archive
        .expected
        .iter()
        .map(|(r, n)| (r.to_string(), *n))
        .collect();
    assert_eq!(found, expected);
    // The four systems are all there.
    for rule in ["SZYD-002", "ZJBF-005", "WBZG-003", "XZSP-004"] {
        assert!(expected.contains_key(rule), "no fault for {rule}");
    }
    Ok(())
}
