//! Replaying a report: a JSON report records what it was made from (the
//! SHA-256 of every rule, parameter and record file, the rules switched off
//! and the run date); `sunlight check --verify report.json` runs again and
//! says whether the same inputs give the same report, and what differs.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::source::{FileId, SourceMap};

/// The SHA-256 of a text, in lower-case hex.
pub fn sha256_hex(text: &str) -> String {
    hex(&crate::source::sha256(text))
}

/// A digest in lower-case hex.
pub(crate) fn hex(digest: &[u8]) -> String {
    let mut out = String::with_capacity(64);
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// What a run was made from.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Rule files, embedded ones included, in load order.
    pub rules: Vec<FileId>,
    /// The parameter file, if any.
    pub params: Vec<FileId>,
    /// Record files, in path order.
    pub records: Vec<FileId>,
    /// Rules switched off.
    pub disabled: Vec<String>,
    /// The run date (`YYYY-MM-DD`), against which waivers expire.
    pub today: String,
}

/// The `inputs` object of the JSON report.
pub fn to_json(inputs: &Inputs, sources: &SourceMap) -> Value {
    let files = |ids: &[FileId]| -> Vec<Value> {
        ids.iter()
            .filter_map(|&id| sources.get(id))
            .map(|f| json!({"file": f.name, "sha256": hex(&f.sha256())}))
            .collect()
    };
    json!({
        "today": inputs.today,
        "rules": files(&inputs.rules),
        "params": files(&inputs.params),
        "records": files(&inputs.records),
        "disabled": inputs.disabled,
    })
}

/// Compare a report with the report of the run again: `None` when they are
/// the same, else what differs, one line each.
pub fn compare(old: &Value, new: &Value) -> Option<String> {
    if old == new {
        return None;
    }
    let mut out = String::new();
    for part in ["rules", "params", "records"] {
        let hashes = |v: &Value| -> BTreeMap<String, String> {
            v["inputs"][part]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|f| {
                            (
                                f["file"].as_str().unwrap_or("").to_string(),
                                f["sha256"].as_str().unwrap_or("").to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let (a, b) = (hashes(old), hashes(new));
        for (file, h) in &a {
            match b.get(file) {
                None => {
                    let _ = writeln!(out, "{part} file `{file}` is no longer read");
                }
                Some(h2) if h2 != h => {
                    let _ = writeln!(out, "{part} file `{file}` changed");
                }
                _ => {}
            }
        }
        for file in b.keys().filter(|f| !a.contains_key(*f)) {
            let _ = writeln!(out, "{part} file `{file}` is new");
        }
    }
    for key in ["disabled", "today"] {
        if old["inputs"][key] != new["inputs"][key] {
            let _ = writeln!(
                out,
                "`{key}` was {} and is {}",
                old["inputs"][key], new["inputs"][key]
            );
        }
    }
    let findings =
        |v: &Value| -> Vec<Value> { v["findings"].as_array().cloned().unwrap_or_default() };
    let (a, b) = (findings(old), findings(new));
    let show = |f: &Value| {
        format!(
            "{} on {} {} at {}:{}: {}",
            f["rule"].as_str().unwrap_or(""),
            f["kind"].as_str().unwrap_or(""),
            f["record"].as_str().unwrap_or(""),
            f["file"].as_str().unwrap_or(""),
            f["line"],
            f["message"].as_str().unwrap_or("")
        )
    };
    for f in a.iter().filter(|f| !b.contains(f)) {
        let _ = writeln!(out, "- finding only in the report: {}", show(f));
    }
    for f in b.iter().filter(|f| !a.contains(f)) {
        let _ = writeln!(out, "+ finding only in the new run: {}", show(f));
    }
    for key in ["errors", "summary", "version"] {
        if old[key] != new[key] {
            let _ = writeln!(out, "`{key}` differs");
        }
    }
    if out.is_empty() {
        out.push_str("the reports differ\n");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_changed_record_file_and_a_new_finding_are_named() {
        let old = json!({"version": 1, "findings": [], "inputs": {"records": [{"file": "a.yaml", "sha256": "1"}]}});
        let new = json!({"version": 1, "findings": [{"rule": "R-1", "kind": "k", "record": "x", "file": "a.yaml", "line": 3, "message": "m"}], "inputs": {"records": [{"file": "a.yaml", "sha256": "2"}]}});
        let diff = compare(&old, &new).unwrap_or_default();
        assert_eq!(
            diff,
            "records file `a.yaml` changed\n+ finding only in the new run: R-1 on k x at a.yaml:3: m\n"
        );
        assert_eq!(compare(&old, &old), None);
    }
}
