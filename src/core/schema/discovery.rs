//! Discovery documents (RFC 7643 §6, §7).
