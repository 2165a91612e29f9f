//! (a) The rule parser and compiler front end: any text as a rule file
//! next to the standard rules, compiled and evaluated over a sample record
//! set, as `sunlight check RECORDS --rules FILE` does.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    sunlight_fuzz::check_rules(text, sunlight_fuzz::SAMPLE_RECORDS);
});
