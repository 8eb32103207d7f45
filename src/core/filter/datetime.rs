//! SCIM dateTime values (RFC 7643 §2.3.5: xsd:dateTime, in practice RFC 3339) parsed to UTC and
//! printed in the one stored form `YYYY-MM-DDTHH:MM:SS.mmmZ`, whose text order is time order.

/// Milliseconds since the Unix epoch for an RFC 3339 / xsd:dateTime string, or `None` if it is
/// not one. Accepts `T` or `t`, an optional fraction (truncated to milliseconds), and `Z`,
/// `±HH:MM`, or no zone (xsd:dateTime allows it; taken as UTC).
pub fn parse_datetime_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(range)?;
        if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0;
    if b.get(i) == Some(&b'.') {
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
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let (h, m) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if h > 23 || m > 59 {
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
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second.min(59) - offset_minutes * 60;
    Some(secs * 1_000 + millis)
}

/// The stored form of an instant: `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC).
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

/// Normalises a dateTime literal to the stored form, or `None` if it is not a dateTime.
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

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_the_stored_form() {
        let cases = [
            ("2011-05-13T04:42:34Z", "2011-05-13T04:42:34.000Z"),
            ("2011-05-13T04:42:34.1Z", "2011-05-13T04:42:34.100Z"),
            ("2011-05-13T04:42:34.123456Z", "2011-05-13T04:42:34.123Z"),
            ("2011-05-13t04:42:34z", "2011-05-13T04:42:34.000Z"),
            ("2011-05-13T04:42:34", "2011-05-13T04:42:34.000Z"),
            ("2011-05-13T04:42:34+02:00", "2011-05-13T02:42:34.000Z"),
            ("2011-01-01T00:30:00-01:00", "2011-01-01T01:30:00.000Z"),
            ("2011-01-01T00:30:00+01:00", "2010-12-31T23:30:00.000Z"),
            ("2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000Z"),
            ("1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_datetime(input).as_deref(), Some(want), "{input}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_datetime() {
        for bad in [
            "",
            "yes",
            "2011-05-13",
            "2011-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2011-05-13T24:00:00Z",
            "2011-05-13T04:42:34.Z",
            "2011-05-13T04:42:34+0200",
            "2011-05-13T04:42:34Zjunk",
            "2011-05-13 04:42:34Z",
            "２０１１-05-13T04:42:34Z",
        ] {
            assert_eq!(normalize_datetime(bad), None, "{bad}");
        }
    }
}
