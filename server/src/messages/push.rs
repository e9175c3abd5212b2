//! Web Push's cryptography, on `ring` (already here for TLS): a message encrypted for a
//! browser's subscription (RFC 8291, the `aes128gcm` content coding of RFC 8188) and the
//! server's VAPID signature (RFC 8292) that push services ask for.
//!
//! Not yet wired: subscriptions, sending and the service worker's handling come with the
//! Web Push channel. What is here is checked against RFC 8291's worked example (from the
//! shared secret on: `ring` makes only ephemeral ECDH keys, so the example's fixed
//! application-server key can't be loaded) and by a round trip through a fresh key pair.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use ring::{
    aead, agreement, hkdf,
    rand::{SecureRandom, SystemRandom},
    signature::{self, EcdsaKeyPair, KeyPair},
};

/// Why a message couldn't be encrypted or signed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PushError {
    /// The subscription's `p256dh` isn't an uncompressed P-256 point, or `auth` isn't 16
    /// bytes.
    #[error("the subscription's keys can't be used: {0}")]
    Subscription(&'static str),
    /// The message is longer than one record holds.
    #[error("a push message holds at most {MAX_PLAINTEXT} bytes, this one has {0}")]
    TooLong(usize),
    #[error("the VAPID key can't be read")]
    Key,
    #[error("the system's random number generator failed")]
    Random,
}

/// The record size announced: one record, as RFC 8291 §4 asks (at most 4096).
const RECORD_SIZE: u32 = 4096;
/// The header: salt (16), record size (4), key id length (1), key id (65).
const HEADER: usize = 16 + 4 + 1 + 65;
/// What one record holds: the record size less the header, the tag and the delimiter.
pub const MAX_PLAINTEXT: usize = RECORD_SIZE as usize - HEADER - 16 - 1;

/// An HKDF output length, as `ring` wants it.
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn expand<const N: usize>(prk: &hkdf::Prk, info: &[&[u8]]) -> [u8; N] {
    let mut out = [0u8; N];
    prk.expand(info, Len(N)).and_then(|okm| okm.fill(&mut out)).expect("N is within HKDF-SHA-256's limit");
    out
}

/// Encrypts `plaintext` for a subscription's keys: `p256dh` (the browser's public key,
/// 65 bytes) and `auth` (its 16-byte secret). The body to POST to its endpoint.
pub fn encrypt(p256dh: &[u8], auth: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, PushError> {
    let ua_public: &[u8; 65] = p256dh
        .try_into()
        .ok()
        .filter(|k: &&[u8; 65]| k[0] == 4)
        .ok_or(PushError::Subscription("p256dh is not an uncompressed P-256 key"))?;
    let auth: &[u8; 16] = auth.try_into().map_err(|_| PushError::Subscription("auth is not 16 bytes"))?;
    let rng = SystemRandom::new();
    let ours = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).map_err(|_| PushError::Random)?;
    let as_public: [u8; 65] =
        ours.compute_public_key().map_err(|_| PushError::Random)?.as_ref().try_into().map_err(|_| PushError::Random)?;
    let mut salt = [0u8; 16];
    rng.fill(&mut salt).map_err(|_| PushError::Random)?;
    let theirs = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, ua_public);
    let secret = agreement::agree_ephemeral(ours, &theirs, |s| <[u8; 32]>::try_from(s).ok())
        .map_err(|_| PushError::Subscription("p256dh is not a point on P-256"))?
        .ok_or(PushError::Random)?;
    seal(&secret, ua_public, &as_public, auth, &salt, plaintext)
}

/// RFC 8291 §3.3–3.4 and RFC 8188 from the ECDH secret on: the keys, then one record.
fn seal(
    ecdh_secret: &[u8; 32],
    ua_public: &[u8; 65],
    as_public: &[u8; 65],
    auth: &[u8; 16],
    salt: &[u8; 16],
    plaintext: &[u8],
) -> Result<Vec<u8>, PushError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(PushError::TooLong(plaintext.len()));
    }
    let prk_key = hkdf::Salt::new(hkdf::HKDF_SHA256, auth).extract(ecdh_secret);
    let ikm: [u8; 32] = expand(&prk_key, &[b"WebPush: info\0", ua_public, as_public]);
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(&ikm);
    let cek: [u8; 16] = expand(&prk, &[b"Content-Encoding: aes128gcm\0"]);
    let nonce: [u8; 12] = expand(&prk, &[b"Content-Encoding: nonce\0"]);
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, &cek).expect("16 bytes"));
    // One record, the last: the delimiter 2, no padding.
    let mut record = Vec::with_capacity(plaintext.len() + 1 + 16);
    record.extend_from_slice(plaintext);
    record.push(2);
    key.seal_in_place_append_tag(aead::Nonce::assume_unique_for_key(nonce), aead::Aad::empty(), &mut record)
        .expect("one record is well within AES-GCM's limit");
    let mut body = Vec::with_capacity(HEADER + record.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(65);
    body.extend_from_slice(as_public);
    body.extend_from_slice(&record);
    Ok(body)
}

/// The server's VAPID key (RFC 8292): push services check that whoever sends to a
/// subscription is the server the browser subscribed with.
pub struct Vapid {
    key: EcdsaKeyPair,
    /// How push services may reach the operator (`mailto:` or `https:`).
    contact: String,
}

impl Vapid {
    /// A new key, as PKCS#8 (kept in configuration, the same on every server).
    pub fn generate() -> Result<Vec<u8>, PushError> {
        EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map(|k| k.as_ref().to_vec())
            .map_err(|_| PushError::Random)
    }

    /// Reads a PKCS#8 key.
    pub fn from_pkcs8(pkcs8: &[u8], contact: impl Into<String>) -> Result<Vapid, PushError> {
        let key = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &SystemRandom::new())
            .map_err(|_| PushError::Key)?;
        Ok(Vapid { key, contact: contact.into() })
    }

    /// The public key browsers subscribe with (`applicationServerKey`), base64url.
    pub fn public_key(&self) -> String {
        B64.encode(self.key.public_key().as_ref())
    }

    /// The `Authorization` header for a push to `endpoint`: `vapid t=<JWT>, k=<key>`, the
    /// JWT for the endpoint's origin, valid 12 hours from `now` (at most 24 are allowed).
    pub fn authorization(&self, endpoint: &url::Url, now: i64) -> Result<String, PushError> {
        let origin = endpoint.origin().ascii_serialization();
        let header = B64.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = B64.encode(
            serde_json::json!({"aud": origin, "exp": now + 12 * 3600, "sub": self.contact}).to_string().as_bytes(),
        );
        let signed = format!("{header}.{claims}");
        let signature = self.key.sign(&SystemRandom::new(), signed.as_bytes()).map_err(|_| PushError::Random)?;
        Ok(format!("vapid t={signed}.{}, k={}", B64.encode(signature.as_ref()), self.public_key()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> Vec<u8> {
        B64.decode(s).unwrap()
    }

    /// RFC 8291 Appendix A, from the shared secret on.
    #[test]
    fn the_rfcs_example_encrypts_to_its_body() {
        let ua_public: [u8; 65] =
            b64("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4")
                .try_into()
                .unwrap();
        let as_public: [u8; 65] =
            b64("BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8")
                .try_into()
                .unwrap();
        let ecdh: [u8; 32] = b64("kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs").try_into().unwrap();
        let auth: [u8; 16] = b64("BTBZMqHH6r4Tts7J_aSIgg").try_into().unwrap();
        let salt: [u8; 16] = b64("DGv6ra1nlYgDCS1FRnbzlw").try_into().unwrap();
        let body =
            seal(&ecdh, &ua_public, &as_public, &auth, &salt, b"When I grow up, I want to be a watermelon").unwrap();
        assert_eq!(
            B64.encode(&body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK\
             6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        );
    }

    /// A browser's side of it: its key pair, the server's key from the header, the same
    /// keys, and the record opened.
    #[test]
    fn a_fresh_browser_key_opens_what_was_sealed_for_it() {
        let rng = SystemRandom::new();
        let browser = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).unwrap();
        let p256dh = browser.compute_public_key().unwrap().as_ref().to_vec();
        let auth = [7u8; 16];
        let body = encrypt(&p256dh, &auth, b"Aurora pitch is due tomorrow").unwrap();
        assert_eq!(&body[16..20], &4096u32.to_be_bytes());
        assert_eq!(body[20], 65);
        let (salt, as_public) = (&body[..16], &body[21..86]);
        let server = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, as_public);
        let secret: [u8; 32] = agreement::agree_ephemeral(browser, &server, |s| s.try_into().unwrap()).unwrap();
        let prk_key = hkdf::Salt::new(hkdf::HKDF_SHA256, &auth).extract(&secret);
        let ikm: [u8; 32] = expand(&prk_key, &[b"WebPush: info\0", &p256dh, as_public]);
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(&ikm);
        let cek: [u8; 16] = expand(&prk, &[b"Content-Encoding: aes128gcm\0"]);
        let nonce: [u8; 12] = expand(&prk, &[b"Content-Encoding: nonce\0"]);
        let key = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, &cek).unwrap());
        let mut record = body[86..].to_vec();
        let opened =
            key.open_in_place(aead::Nonce::assume_unique_for_key(nonce), aead::Aad::empty(), &mut record).unwrap();
        assert_eq!(opened, b"Aurora pitch is due tomorrow\x02");
    }

    #[test]
    fn bad_subscriptions_and_long_messages_are_refused() {
        let rng = SystemRandom::new();
        let browser = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).unwrap();
        let p256dh = browser.compute_public_key().unwrap().as_ref().to_vec();
        assert!(matches!(encrypt(&p256dh[..33], &[0; 16], b"x"), Err(PushError::Subscription(_))));
        assert!(matches!(encrypt(&p256dh, &[0; 15], b"x"), Err(PushError::Subscription(_))));
        let mut off_curve = p256dh.clone();
        off_curve[64] ^= 1;
        assert!(matches!(encrypt(&off_curve, &[0; 16], b"x"), Err(PushError::Subscription(_))));
        assert_eq!(encrypt(&p256dh, &[0; 16], &vec![b'a'; MAX_PLAINTEXT + 1]), Err(PushError::TooLong(3994)));
        assert!(encrypt(&p256dh, &[0; 16], &vec![b'a'; MAX_PLAINTEXT]).is_ok());
    }

    #[test]
    fn the_vapid_signature_verifies_for_the_endpoints_origin() {
        let vapid = Vapid::from_pkcs8(&Vapid::generate().unwrap(), "mailto:ops@primer.example").unwrap();
        let endpoint = url::Url::parse("https://push.example.net:8443/send/abc?x=1").unwrap();
        let header = vapid.authorization(&endpoint, 1_800_000_000).unwrap();
        let (t, k) = header.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
        assert_eq!(k, vapid.public_key());
        let (signed, sig) = t.rsplit_once('.').unwrap();
        let public = signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, b64(k));
        public.verify(signed.as_bytes(), &b64(sig)).expect("a valid ES256 signature");
        let claims: serde_json::Value = serde_json::from_slice(&b64(signed.split_once('.').unwrap().1)).unwrap();
        assert_eq!(claims["aud"], "https://push.example.net:8443");
        assert_eq!(claims["exp"], 1_800_000_000 + 12 * 3600);
        assert_eq!(claims["sub"], "mailto:ops@primer.example");
        assert!(Vapid::from_pkcs8(b"not a key", "mailto:x@y").is_err());
    }
}
