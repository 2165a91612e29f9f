//! (b) The YAML/JSON record loader and validation against the standard
//! schema, then the standard rules, as `sunlight check FILE` does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sunlight::source::{FileId, SourceMap};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The reader alone, with the library's default limits.
    let program = sunlight_fuzz::standard_program();
    let mut sources = SourceMap::new();
    let id: FileId = sources.add("fuzz.yaml", text);
    let read = sunlight::records::read(id, text, &program.schema, &sunlight_fuzz::fuzz_limits());
    sunlight_fuzz::assert_diagnostics(&sources, &read.errors);
    for r in &read.records {
        sunlight_fuzz::assert_span(&sources, r.span(), "record");
        // Every datum is found again in the text, inside the file.
        let all: Vec<_> = r.root.all().collect();
        for at in r.locate(&program.schema, text, &all) {
            let Some(at) = at else {
                panic!("a datum of {:?} is not found in its text", r.span());
            };
            sunlight_fuzz::assert_span(&sources, at.span, "datum");
            if let Some(key) = at.key {
                sunlight_fuzz::assert_span(&sources, key, "key");
            }
        }
    }
    for r in &read.rejected {
        sunlight_fuzz::assert_span(&sources, r.span, "rejected record");
    }
    // A document that was rejected must say why.
    assert!(
        read.rejected.is_empty() || !read.errors.is_empty(),
        "{} documents rejected without an error",
        read.rejected.len()
    );
    // The whole check.
    sunlight_fuzz::check_records(&[("fuzz.yaml", text)]);
});
