//! Parses arbitrary input as a SCIM filter; whatever parses must print to a canonical form
//! that re-parses to the same tree (and prints identically). Run with
//! `make fuzz` (scripts/fuzz.sh).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_edge::core::filter::{parse_filter, parse_patch_path, MAX_FILTER_LEN};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(filter) = parse_filter(input) {
        let printed = filter.to_string();
        // Escaping (a bare `\` or control character is printed quoted, `\\`, `\u0000`) can
        // take the canonical form past the input limit; the limit then rightly refuses it.
        if printed.len() > MAX_FILTER_LEN {
            return;
        }
        let reparsed = parse_filter(&printed).expect("printed filter must re-parse");
        assert_eq!(reparsed, filter, "printed: {printed}");
        assert_eq!(reparsed.to_string(), printed);
    }
    if let Ok(path) = parse_patch_path(input) {
        let printed = path.to_string();
        if printed.len() > MAX_FILTER_LEN {
            return;
        }
        let reparsed = parse_patch_path(&printed).expect("printed path must re-parse");
        assert_eq!(reparsed, path, "printed: {printed}");
    }
});
