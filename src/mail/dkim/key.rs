//! DKIM private keys: PEM files holding an RSA key (PKCS#1 `RSA PRIVATE
//! KEY` or PKCS#8 `PRIVATE KEY`) or an Ed25519 key (PKCS#8), signed with
//! `ring`, which the TLS layer already links. `ring` signs with RSA keys of
//! 2048 to 4096 bits only; the 1024- to 2047-bit keys RFC 8301 still allows
//! are signed with the `rsa` crate.
//!
//! PEM is decoded by `rustls-pki-types` (also already linked). A key file
//! that others than its owner may read is refused, as ssh refuses one.
//! Nothing about a key's content ever reaches an error message or a trace:
//! errors name the file and say what is wrong in words of our own (a PEM
//! decoder's error can quote a line of the file, so it is never shown).

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair, RsaKeyPair, RSA_PKCS1_SHA256};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::PrivateKeyDer;

/// A key file larger than this is not a key (an 8192-bit RSA key in PEM
/// is under 7 KiB).
const MAX_KEY_FILE: u64 = 64 * 1024;

/// The signing algorithm, from the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// `rsa-sha256` (RFC 6376 §3.3.1).
    RsaSha256,
    /// `ed25519-sha256` (RFC 8463).
    Ed25519Sha256,
}

impl Algorithm {
    /// The `a=` tag value.
    pub fn tag(self) -> &'static str {
        match self {
            Algorithm::RsaSha256 => "rsa-sha256",
            Algorithm::Ed25519Sha256 => "ed25519-sha256",
        }
    }
}

enum Inner {
    Rsa(RsaKeyPair),
    /// A key `ring` refuses as too small (1024 to 2047 bits), with its
    /// public key as PKCS#1 DER.
    RsaSmall(Box<rsa::pkcs1v15::SigningKey<sha2::Sha256>>, Vec<u8>),
    Ed25519(Ed25519KeyPair),
}

/// RFC 8301 §3.2: signers MUST use RSA keys of at least 1024 bits.
const MIN_RSA_BITS: u32 = 1024;

/// A loaded signing key. Its `Debug` shows only the algorithm and file.
pub struct SigningKey {
    inner: Inner,
    path: PathBuf,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SigningKey({}, {})",
            self.algorithm().tag(),
            self.path.display()
        )
    }
}

/// Why a key cannot be used; the text names the file, never its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyError(pub String);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

impl SigningKey {
    /// Reads and checks the key in `path`.
    pub fn load(path: &Path) -> Result<SigningKey, KeyError> {
        let shown = path.display();
        let err = |what: String| KeyError(format!("DKIM key {shown}: {what}"));
        let file = File::open(path).map_err(|e| err(format!("cannot open: {}", io_reason(&e))))?;
        let meta = file
            .metadata()
            .map_err(|e| err(format!("cannot read: {}", io_reason(&e))))?;
        if !meta.is_file() {
            return Err(err("not a regular file".into()));
        }
        // Checked on the open file, so a swap after the check changes nothing.
        let mode = meta.mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(err(format!(
                "permissions {mode:04o} are too open: a private key must be readable by its \
                 owner only (chmod 600 {shown})"
            )));
        }
        if meta.len() > MAX_KEY_FILE {
            return Err(err(format!(
                "{} bytes is too large for a key file",
                meta.len()
            )));
        }
        let mut pem = Vec::new();
        file.take(MAX_KEY_FILE + 1)
            .read_to_end(&mut pem)
            .map_err(|e| err(format!("cannot read: {}", io_reason(&e))))?;
        let key = from_pem(&pem).map_err(err);
        // The PEM text is a copy of the key: clear it before letting go.
        pem.iter_mut().for_each(|b| *b = 0);
        Ok(SigningKey {
            inner: key?,
            path: path.to_path_buf(),
        })
    }

    /// The `a=` algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self.inner {
            Inner::Rsa(_) | Inner::RsaSmall(..) => Algorithm::RsaSha256,
            Inner::Ed25519(_) => Algorithm::Ed25519Sha256,
        }
    }

    /// The file the key came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The public key as a DNS record's `p=` value: the RSA public key
    /// (PKCS#1 RSAPublicKey DER, which verifiers accept beside SPKI) or
    /// the raw 32-byte Ed25519 key (RFC 8463 §4.2), in base64.
    pub fn public_key_base64(&self) -> String {
        use base64::Engine;
        let bytes = match &self.inner {
            Inner::Rsa(k) => k.public().as_ref().to_vec(),
            Inner::RsaSmall(_, public) => public.clone(),
            Inner::Ed25519(k) => k.public_key().as_ref().to_vec(),
        };
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// Signs the hash input of RFC 6376 §3.7 (`data`): RSASSA-PKCS1-v1_5
    /// with SHA-256 over it, or for Ed25519 PureEdDSA over its SHA-256
    /// digest (RFC 8463 §3).
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.inner {
            Inner::Rsa(k) => {
                let mut sig = vec![0u8; k.public().modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), data, &mut sig)
                    .map_err(|_| KeyError("DKIM: the RSA signature failed".into()))?;
                Ok(sig)
            }
            Inner::RsaSmall(k, _) => {
                use rsa::signature::{SignatureEncoding, Signer};
                k.try_sign(data)
                    .map(|sig| sig.to_vec())
                    .map_err(|_| KeyError("DKIM: the RSA signature failed".into()))
            }
            Inner::Ed25519(k) => {
                let digest = ring::digest::digest(&ring::digest::SHA256, data);
                Ok(k.sign(digest.as_ref()).as_ref().to_vec())
            }
        }
    }
}

/// The key of the first private-key PEM section.
fn from_pem(pem: &[u8]) -> Result<Inner, String> {
    let der = PrivateKeyDer::from_pem_slice(pem).map_err(|_| {
        "no PEM private key found (expected \"-----BEGIN PRIVATE KEY-----\" or \
         \"-----BEGIN RSA PRIVATE KEY-----\"; an encrypted key must be decrypted first)"
            .to_string()
    })?;
    match der {
        PrivateKeyDer::Pkcs1(k) => match RsaKeyPair::from_der(k.secret_pkcs1_der()) {
            Ok(key) => Ok(Inner::Rsa(key)),
            Err(e) if e.to_string() == "TooSmall" => {
                use rsa::pkcs1::DecodeRsaPrivateKey;
                small_rsa(rsa::PrivateKey::from_pkcs1_der(k.secret_pkcs1_der()).ok())
            }
            Err(e) => Err(rsa_reason(&e)),
        },
        PrivateKeyDer::Pkcs8(k) => {
            let der = k.secret_pkcs8_der();
            if let Ok(ed) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
                return Ok(Inner::Ed25519(ed));
            }
            match RsaKeyPair::from_pkcs8(der) {
                Ok(key) => Ok(Inner::Rsa(key)),
                Err(e) if e.to_string() == "TooSmall" => {
                    use rsa::pkcs8::DecodePrivateKey;
                    small_rsa(rsa::PrivateKey::from_pkcs8_der(der).ok())
                }
                Err(e) => Err(rsa_reason(&e)),
            }
        }
        PrivateKeyDer::Sec1(_) => Err("an EC (SEC1) key: DKIM signs with RSA or Ed25519 only \
                                       (RFC 6376, RFC 8463)"
            .into()),
        _ => Err("an unsupported kind of private key".into()),
    }
}

/// An RSA key under 2048 bits: signed with the `rsa` crate if it has at
/// least [`MIN_RSA_BITS`].
fn small_rsa(key: Option<rsa::PrivateKey>) -> Result<Inner, String> {
    use rsa::pkcs1::EncodeRsaPublicKey;
    use rsa::traits::PublicKeyParts;
    let Some(key) = key else {
        return Err("not a usable RSA private key".into());
    };
    let bits = key.n().bit_width();
    if bits < MIN_RSA_BITS {
        return Err(format!(
            "the RSA key has {bits} bits; DKIM needs at least {MIN_RSA_BITS} (RFC 8301), \
             and 2048 is recommended"
        ));
    }
    let public = key
        .to_public_key()
        .to_pkcs1_der()
        .map_err(|_| "not a usable RSA private key".to_string())?;
    Ok(Inner::RsaSmall(
        Box::new(rsa::pkcs1v15::SigningKey::new(key)),
        public.as_bytes().to_vec(),
    ))
}

/// ring's reasons are fixed words (`TooSmall`, `InvalidEncoding`...), never
/// key material.
fn rsa_reason(e: &ring::error::KeyRejected) -> String {
    match e.to_string().as_str() {
        "TooLarge" => {
            "the RSA key is larger than 4096 bits, which this build cannot sign with".into()
        }
        "WrongAlgorithm" => "not an RSA or Ed25519 key".into(),
        other => format!("not a usable RSA or Ed25519 private key ({other})"),
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}
