//! (f) The fast YAML reader against saphyr-parser: on any text it takes,
//! it must give exactly saphyr's events at saphyr's places (and saphyr
//! must find no error).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    assert_ne!(
        sunlight::records::yaml::agrees_with_saphyr(text),
        Some(false),
        "the fast reader and saphyr differ on {text:?}"
    );
});
