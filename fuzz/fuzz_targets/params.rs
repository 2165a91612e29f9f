//! Parameter files (`--params FILE`): read, then the standard rules
//! compiled with the overrides.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    sunlight_fuzz::check_params(text);
});
