//! Timestamps. The runtime supplies the time as milliseconds since the Unix epoch (Workers
//! have no system clock the core could read); the core formats it as RFC 3339 UTC with
//! milliseconds, the form `meta.created`/`meta.lastModified` carry (RFC 7643 §3.1) and that
//! sorts correctly as text.

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for a time in milliseconds since 1970-01-01T00:00:00Z: the
/// stored dateTime form of `core::datetime`, so stamps and client values compare as text.
pub fn format_timestamp(ms: u64) -> String {
    crate::core::datetime::format_datetime_ms(i64::try_from(ms).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::format_timestamp;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_timestamp(951_782_400_000),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            format_timestamp(1_795_873_500_123),
            "2026-11-28T13:45:00.123Z"
        );
        assert_eq!(
            format_timestamp(4_102_444_799_999),
            "2099-12-31T23:59:59.999Z"
        );
    }
}
