//! The rule formatter: idempotent, and it keeps the meaning.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    sunlight_fuzz::check_format(text);
});
