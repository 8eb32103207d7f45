//! `xsd:dateTime` validation (RFC 7643 §2.3.5: "A DateTime value (e.g., 2008-01-23T04:56:22Z)
//! MUST be encoded as a valid xsd:dateTime as specified in Section 3.3.7 of [XML-Schema]").

/// True when `s` is `[-]YYYY-MM-DDThh:mm:ss[.fff…][Z|(+|-)hh:mm]` with a real calendar date.
pub(crate) fn is_xsd_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let year_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let year_digits = &s[year_start..i];
    // xsd: at least four digits, no leading zero beyond four, year 0000 not allowed.
    if year_digits.len() < 4
        || (year_digits.len() > 4 && year_digits.starts_with('0'))
        || year_digits.bytes().all(|c| c == b'0')
    {
        return false;
    }
    let Ok(year) = year_digits.parse::<i64>() else {
        return false;
    };
    let rest = &b[i..];
    // "-MM-DDThh:mm:ss" is exactly 15 bytes.
    if rest.len() < 15 {
        return false;
    }
    let two = |at: usize| -> Option<u32> {
        let (h, l) = (rest[at], rest[at + 1]);
        (h.is_ascii_digit() && l.is_ascii_digit())
            .then(|| u32::from(h - b'0') * 10 + u32::from(l - b'0'))
    };
    let seps = [(0, b'-'), (3, b'-'), (6, b'T'), (9, b':'), (12, b':')];
    if seps.iter().any(|&(at, c)| rest[at] != c) {
        return false;
    }
    let (Some(month), Some(day), Some(hour), Some(minute), Some(second)) =
        (two(1), two(4), two(7), two(10), two(13))
    else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days_in_month || minute > 59 || second > 59 {
        return false;
    }
    let mut tail = &rest[15..];
    let mut fraction_nonzero = false;
    if let Some(after_dot) = tail.strip_prefix(b".") {
        let n = after_dot.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        fraction_nonzero = after_dot[..n].iter().any(|&c| c != b'0');
        tail = &after_dot[n..];
    }
    // xsd 1.0 allows 24:00:00 as the end of a day, and nothing later.
    if hour > 24 || (hour == 24 && (minute != 0 || second != 0 || fraction_nonzero)) {
        return false;
    }
    match tail {
        [] | [b'Z'] => true,
        [sign, h1, h2, b':', m1, m2] if *sign == b'+' || *sign == b'-' => {
            let digits = [h1, h2, m1, m2];
            if !digits.iter().all(|c| c.is_ascii_digit()) {
                return false;
            }
            let oh = u32::from(h1 - b'0') * 10 + u32::from(h2 - b'0');
            let om = u32::from(m1 - b'0') * 10 + u32::from(m2 - b'0');
            // xsd: the offset is at most 14:00.
            om <= 59 && (oh < 14 || (oh == 14 && om == 0))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_xsd_date_time;

    #[test]
    fn accepts_and_rejects_xsd_date_times() {
        let cases = [
            ("2008-01-23T04:56:22Z", true),
            ("2018-03-27T19:59:26.000Z", true),
            ("2018-03-27T19:59:26", true),
            ("2018-03-27T19:59:26.5+05:30", true),
            ("2018-03-27T19:59:26-14:00", true),
            ("2024-02-29T00:00:00Z", true),
            ("2000-02-29T00:00:00Z", true),
            ("2023-12-31T24:00:00Z", true),
            ("-0044-03-15T12:00:00Z", true),
            ("12024-01-01T00:00:00Z", true),
            ("2023-02-29T00:00:00Z", false),
            ("1900-02-29T00:00:00Z", false),
            ("2023-04-31T00:00:00Z", false),
            ("2023-13-01T00:00:00Z", false),
            ("2023-00-01T00:00:00Z", false),
            ("2023-01-01T24:00:01Z", false),
            ("2023-01-01T23:60:00Z", false),
            ("2023-01-01T23:59:60Z", false),
            ("2023-01-01 00:00:00Z", false),
            ("2023-01-01T00:00:00.Z", false),
            ("2023-01-01T00:00:00+14:30", false),
            ("2023-01-01T00:00:00+0100", false),
            ("2023-01-01T00:00:00z", false),
            ("2023-01-01", false),
            ("0000-01-01T00:00:00Z", false),
            ("02023-01-01T00:00:00Z", false),
            ("", false),
            ("yesterday", false),
        ];
        for (input, want) in cases {
            assert_eq!(is_xsd_date_time(input), want, "{input}");
        }
    }
}
