//! Standard Webhooks signatures (standardwebhooks.com): a delivery carries `webhook-id`,
//! `webhook-timestamp` (integer seconds) and `webhook-signature: v1,<base64>`, where the
//! signature is HMAC-SHA256 over `"{id}.{timestamp}.{body}"` keyed with the bytes of the
//! secret (`whsec_` + base64 of 32 random bytes; the key is the decoded part).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SECRET_PREFIX: &str = "whsec_";
const SECRET_BYTES: usize = 32;

/// A signing secret, as shown to the operator once.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret(String);

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret(whsec_…)")
    }
}

impl SigningSecret {
    pub fn generate() -> Result<SigningSecret, getrandom::Error> {
        let mut bytes = [0u8; SECRET_BYTES];
        getrandom::getrandom(&mut bytes)?;
        Ok(SigningSecret::from_key(&bytes))
    }

    pub fn from_key(key: &[u8]) -> SigningSecret {
        SigningSecret(format!("{SECRET_PREFIX}{}", STANDARD.encode(key)))
    }

    /// A stored secret; `None` unless it has the `whsec_` form.
    pub fn parse(text: &str) -> Option<SigningSecret> {
        let encoded = text.strip_prefix(SECRET_PREFIX)?;
        let key = STANDARD.decode(encoded).ok()?;
        (!key.is_empty()).then(|| SigningSecret(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    fn key(&self) -> Vec<u8> {
        // `parse` and `from_key` only ever hold valid base64 after the prefix.
        STANDARD
            .decode(&self.0[SECRET_PREFIX.len()..])
            .unwrap_or_default()
    }

    /// The `webhook-signature` header value for one delivery.
    pub fn sign(&self, id: &str, timestamp_secs: u64, body: &str) -> String {
        format!("v1,{}", STANDARD.encode(self.mac(id, timestamp_secs, body)))
    }

    fn mac(&self, id: &str, timestamp_secs: u64, body: &str) -> Vec<u8> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key()).expect("HMAC accepts keys of any length");
        mac.update(format!("{id}.{timestamp_secs}.").as_bytes());
        mac.update(body.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// Receiver side (used by tests and shown in docs/events.md): whether any `v1,` entry of
    /// a `webhook-signature` header is this secret's signature, compared in constant time.
    pub fn verify(&self, id: &str, timestamp_secs: u64, body: &str, header: &str) -> bool {
        header.split(' ').any(|entry| {
            let Some(encoded) = entry.strip_prefix("v1,") else {
                return false;
            };
            let Ok(presented) = STANDARD.decode(encoded) else {
                return false;
            };
            let mut mac = Hmac::<Sha256>::new_from_slice(&self.key())
                .expect("HMAC accepts keys of any length");
            mac.update(format!("{id}.{timestamp_secs}.").as_bytes());
            mac.update(body.as_bytes());
            mac.verify_slice(&presented).is_ok()
        })
    }
}

/// The headers of one delivery, in the order they are sent.
pub fn delivery_headers(
    secret: &SigningSecret,
    id: &str,
    timestamp_secs: u64,
    body: &str,
) -> Vec<(String, String)> {
    vec![
        ("content-type".into(), "application/json".into()),
        ("webhook-id".into(), id.to_owned()),
        ("webhook-timestamp".into(), timestamp_secs.to_string()),
        (
            "webhook-signature".into(),
            secret.sign(id, timestamp_secs, body),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks reference libraries (its README and test suite):
    /// this secret, id, timestamp and payload sign to exactly this value.
    #[test]
    fn matches_the_standard_webhooks_reference_vector() {
        let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        let signature = secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(secret.verify("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, &signature));
    }

    #[test]
    fn verification_rejects_any_change_and_accepts_a_rotated_list() {
        let secret = SigningSecret::generate().unwrap();
        let other = SigningSecret::generate().unwrap();
        let signature = secret.sign("evt_1", 100, "{}");
        assert!(!secret.verify("evt_2", 100, "{}", &signature));
        assert!(!secret.verify("evt_1", 101, "{}", &signature));
        assert!(!secret.verify("evt_1", 100, "{ }", &signature));
        assert!(!other.verify("evt_1", 100, "{}", &signature));
        let both = format!("{} {}", other.sign("evt_1", 100, "{}"), signature);
        assert!(secret.verify("evt_1", 100, "{}", &both));
    }

    #[test]
    fn secrets_have_the_whsec_form_and_32_random_bytes() {
        let secret = SigningSecret::generate().unwrap();
        assert!(secret.expose().starts_with("whsec_"));
        assert_eq!(secret.key().len(), 32);
        assert_ne!(secret, SigningSecret::generate().unwrap());
        assert!(SigningSecret::parse("whsec_").is_none());
        assert!(SigningSecret::parse("nope").is_none());
        assert!(!format!("{secret:?}").contains(&secret.expose()[6..]));
    }
}
