//! SCIM dateTime values: one grammar for request bodies and filters alike, and the one stored
//! form. RFC 7643 §2.3.5: "A DateTime value (e.g., 2008-01-23T04:56:22Z) MUST be encoded as a
//! valid xsd:dateTime". xsd:dateTime and RFC 3339 `date-time` disagree at the edges; a value
//! is accepted here only where both agree, so whatever a client means by it, we mean the same:
//!
//! ```text
//! YYYY-MM-DD "T" hh:mm:ss [ "." 1*DIGIT ] ( "Z" / ("+" / "-") hh:mm )
//! ```
//!
//! - the year has exactly four digits, 0001–9999 (xsd allows more digits and negative years,
//!   RFC 3339 does not; the stored form is four digits so that text order is time order);
//! - the date exists in the proleptic Gregorian calendar;
//! - hour 00–23 (xsd 1.0 allows `24:00:00` as the next midnight, RFC 3339 does not), minute
//!   00–59, second 00–59 (RFC 3339 allows a leap second `60`, xsd does not, and an instant
//!   in milliseconds cannot hold one);
//! - the zone is required (RFC 3339; xsd's zone-less form names no instant) and at most
//!   ±14:00 (xsd);
//! - `T` and `Z` upper-case (xsd; RFC 3339 only notes that lower case may be allowed);
//! - a fraction of any length is truncated to milliseconds, the stored precision.
//!
//! The stored (and printed) form is `YYYY-MM-DDThh:mm:ss.mmmZ` in UTC.

/// Milliseconds since the Unix epoch for a dateTime string, or `None` if it is not one.
pub fn parse_datetime_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || !s.is_ascii() {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(range)?;
        if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(at, c)| b[at] != c) {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if year == 0 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let digits = &s[start..i.min(start + 3)];
        millis = digits.parse::<i64>().ok()? * 10_i64.pow(3 - digits.len() as u32);
    }
    let offset_minutes = match b.get(i) {
        Some(b'Z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let (h, m) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if m > 59 || h > 14 || (h == 14 && m > 0) {
                return None;
            }
            let minutes = h * 60 + m;
            if *sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(secs * 1_000 + millis)
}

/// Whether `s` is a dateTime value.
pub fn is_datetime(s: &str) -> bool {
    parse_datetime_ms(s).is_some()
}

/// The stored form of an instant: `YYYY-MM-DDThh:mm:ss.mmmZ` (UTC).
pub fn format_datetime_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1_000);
    let millis = ms.rem_euclid(1_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// A dateTime value in the stored form, or `None` if it is not a dateTime.
pub fn normalize_datetime(s: &str) -> Option<String> {
    parse_datetime_ms(s).map(format_datetime_ms)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The Gregorian date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_the_stored_form() {
        let cases = [
            ("2008-01-23T04:56:22Z", "2008-01-23T04:56:22.000Z"),
            ("2011-05-13T04:42:34.1Z", "2011-05-13T04:42:34.100Z"),
            ("2011-05-13T04:42:34.123456789Z", "2011-05-13T04:42:34.123Z"),
            ("2018-03-27T19:59:26.000Z", "2018-03-27T19:59:26.000Z"),
            ("2011-05-13T04:42:34+02:00", "2011-05-13T02:42:34.000Z"),
            ("2011-01-01T00:30:00-01:00", "2011-01-01T01:30:00.000Z"),
            ("2011-01-01T00:30:00+01:00", "2010-12-31T23:30:00.000Z"),
            ("2018-03-27T19:59:26.5+05:30", "2018-03-27T14:29:26.500Z"),
            ("2018-03-27T19:59:26-14:00", "2018-03-28T09:59:26.000Z"),
            ("2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000Z"),
            ("2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000Z"),
            ("1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"),
            ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"),
            ("9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_datetime(input).as_deref(), Some(want), "{input}");
        }
    }

    /// The edges where xsd:dateTime and RFC 3339 disagree, and plain garbage.
    #[test]
    fn refuses_what_either_grammar_refuses() {
        for bad in [
            // xsd only: the end-of-day hour, more or fewer year digits, negative years,
            // year zero, no zone, a zone past ±14:00.
            "2023-12-31T24:00:00Z",
            "2023-01-01T24:00:01Z",
            "12024-01-01T00:00:00Z",
            "02023-01-01T00:00:00Z",
            "-0044-03-15T12:00:00Z",
            "0000-01-01T00:00:00Z",
            "2018-03-27T19:59:26",
            "2018-03-27T19:59:26.000",
            "2023-01-01T00:00:00+14:30",
            "2023-01-01T00:00:00+15:00",
            // RFC 3339 only: a leap second, lower-case separators.
            "2016-12-31T23:59:60Z",
            "2011-05-13t04:42:34Z",
            "2011-05-13T04:42:34z",
            // Neither.
            "",
            "yes",
            "2011-05-13",
            "2011-13-01T00:00:00Z",
            "2023-00-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2023-04-31T00:00:00Z",
            "2023-01-01T23:60:00Z",
            "2011-05-13T04:42:34.Z",
            "2011-05-13T04:42:34+0200",
            "2011-05-13T04:42:34+02:60",
            "2011-05-13T04:42:34Zjunk",
            "2011-05-13 04:42:34Z",
            "２０１１-05-13T04:42:34Z",
            "2011-05-13T04:42:34.١Z",
        ] {
            assert_eq!(normalize_datetime(bad), None, "{bad}");
            assert!(!is_datetime(bad), "{bad}");
        }
    }

    #[test]
    fn formats_known_instants_and_round_trips() {
        assert_eq!(format_datetime_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_datetime_ms(951_782_400_000),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(format_datetime_ms(-1), "1969-12-31T23:59:59.999Z");
        for ms in [
            0,
            1,
            -1,
            951_782_400_000,
            1_795_873_500_123,
            253_402_300_799_999,
        ] {
            let text = format_datetime_ms(ms);
            assert_eq!(parse_datetime_ms(&text), Some(ms), "{text}");
        }
    }

    #[test]
    fn text_order_of_the_stored_form_is_time_order() {
        let inputs = [
            "2011-05-13T04:42:34+02:00",
            "2011-05-13T03:00:00Z",
            "1999-12-31T23:59:59.999Z",
            "2011-05-13T02:42:34.001Z",
        ];
        let mut by_text: Vec<String> = inputs
            .iter()
            .filter_map(|s| normalize_datetime(s))
            .collect();
        by_text.sort();
        let mut by_time: Vec<i64> = inputs.iter().filter_map(|s| parse_datetime_ms(s)).collect();
        by_time.sort();
        let printed: Vec<String> = by_time.into_iter().map(format_datetime_ms).collect();
        assert_eq!(by_text, printed);
    }
}
