//! rustls client configuration: system roots (loaded once, only when TLS is
//! used), extra CAs, client certificates, verification switch.

use std::fs;
use std::io::{self, BufReader};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{self, CryptoProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::error::{ErrorKind, SmtpError};
use super::server::{strip_brackets, TlsOptions, TlsVersion};

/// The client configuration for `options`, built once per distinct
/// options and reused: a loop of `send-letter` calls then neither re-reads
/// the CA files nor copies the root store per connection, and the shared
/// session cache lets later connections resume TLS sessions (RFC 8446
/// §2.2) instead of doing full handshakes.
pub(crate) fn client_config(options: &TlsOptions) -> Result<Arc<ClientConfig>, SmtpError> {
    thread_local! {
        static CONFIGS: std::cell::RefCell<Vec<(TlsOptions, Arc<ClientConfig>)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    if let Some(c) = CONFIGS.with(|c| {
        c.borrow()
            .iter()
            .find(|(o, _)| o == options)
            .map(|(_, c)| c.clone())
    }) {
        return Ok(c);
    }
    let config = build_client_config(options)?;
    CONFIGS.with(|c| {
        let mut c = c.borrow_mut();
        // A script names few distinct TLS settings; bound the list anyway.
        if c.len() >= 16 {
            c.remove(0);
        }
        c.push((options.clone(), config.clone()));
    });
    Ok(config)
}

fn build_client_config(options: &TlsOptions) -> Result<Arc<ClientConfig>, SmtpError> {
    let provider = Arc::new(crypto::ring::default_provider());
    let versions: &[&'static rustls::SupportedProtocolVersion] = match options.min_version {
        TlsVersion::Tls12 => &[&rustls::version::TLS13, &rustls::version::TLS12],
        TlsVersion::Tls13 => &[&rustls::version::TLS13],
    };
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| SmtpError::new(ErrorKind::Tls, format!("TLS set-up failed: {e}")))?;

    let builder = if options.verify {
        let mut roots = (*system_roots()).clone();
        if let Some(file) = &options.ca_file {
            add_pem_file(&mut roots, file, true)?;
        }
        if let Some(dir) = &options.ca_directory {
            add_pem_dir(&mut roots, dir)?;
        }
        if roots.is_empty() {
            return Err(SmtpError::new(
                ErrorKind::Tls,
                "no trusted CA certificates: none in the system store and no :ca-file given",
            ));
        }
        builder.with_root_certificates(roots)
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
    };

    let config = match (&options.certificate, &options.key) {
        (None, None) => builder.with_no_client_auth(),
        (Some(cert), Some(key)) => {
            let certs = read_certs(cert)?;
            let key = read_key(key)?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| tls_error(format!("client certificate {}", cert.display()), e))?
        }
        _ => {
            return Err(SmtpError::new(
                ErrorKind::BadArgument,
                "a client :certificate needs its :key, and a :key its :certificate",
            ))
        }
    };
    Ok(Arc::new(config))
}

/// The name the certificate must carry, also sent as SNI (not for an IP).
pub(crate) fn server_name(
    host: &str,
    options: &TlsOptions,
) -> Result<ServerName<'static>, SmtpError> {
    let name = options.server_name.as_deref().unwrap_or(host);
    ServerName::try_from(strip_brackets(name).to_string()).map_err(|_| {
        SmtpError::new(
            ErrorKind::BadArgument,
            format!("{name:?} is not a valid TLS server name"),
        )
    })
}

pub(crate) fn tls_error(what: impl std::fmt::Display, e: impl std::fmt::Display) -> SmtpError {
    SmtpError::new(ErrorKind::Tls, format!("TLS: {what}: {e}"))
}

/// A failed handshake with `host`, in words a user can act on: what is
/// wrong with the certificate and which option helps, or that the server
/// does not speak TLS at all. rustls's own wording only for the rest.
/// `implicit`: TLS from the first byte (`:ssl t`), not after STARTTLS.
pub(crate) fn handshake_error(host: &str, implicit: bool, e: io::Error) -> SmtpError {
    let rustls_error = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    let text = match rustls_error {
        Some(rustls::Error::InvalidCertificate(c)) => certificate_problem(c),
        Some(
            rustls::Error::InvalidMessage(_)
            | rustls::Error::InappropriateMessage { .. }
            | rustls::Error::InappropriateHandshakeMessage { .. },
        ) => not_tls(implicit, &e),
        _ => e.to_string(),
    };
    SmtpError::new(
        ErrorKind::Tls,
        format!("TLS: handshake with {host} failed: {text}"),
    )
}

/// Where to go when the certificate cannot be trusted.
const TRUST_HINT: &str = "give the CA certificate that signed it with :ca-file (or \
    :ca-directory), or skip the check with :verify nil (not recommended)";

fn certificate_problem(c: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match c {
        // A self-signed certificate, or one whose issuer is not in the
        // store: webpki reports whichever check failed last, which may be a
        // signature against a CA of the same name but another key.
        #[allow(deprecated)]
        C::UnknownIssuer
        | C::BadSignature
        | C::UnsupportedSignatureAlgorithm
        | C::UnsupportedSignatureAlgorithmContext { .. }
        | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            format!("certificate not trusted (self-signed / unknown issuer): {TRUST_HINT}")
        }
        C::ExpiredContext { not_after, .. } => format!(
            "the server's certificate has expired (on {} UTC); :verify nil skips the check \
             (not recommended)",
            utc_date(not_after.as_secs())
        ),
        C::Expired => "the server's certificate has expired; :verify nil skips the check \
            (not recommended)"
            .to_string(),
        C::NotValidYet | C::NotValidYetContext { .. } => {
            "the server's certificate is not valid yet (is this machine's clock right?)".to_string()
        }
        C::NotValidForName => "the server's certificate is not valid for this host name; \
            :server-name names the host the certificate is for"
            .to_string(),
        C::NotValidForNameContext {
            expected,
            presented,
        } => {
            let names = if presented.is_empty() {
                "no host name".to_string()
            } else {
                presented
                    .iter()
                    .map(|n| plain_name(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!(
                "the server's certificate is not valid for the name {:?} (it is for {names}); \
                 :server-name names the host the certificate is for",
                expected.to_str()
            )
        }
        C::Revoked => "the server's certificate has been revoked".to_string(),
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
            "the server's certificate is not meant for a TLS server".to_string()
        }
        C::BadEncoding => "the server's certificate is malformed".to_string(),
        other => format!("the server's certificate was refused ({other:?}); {TRUST_HINT}"),
    }
}

/// `YYYY-MM-DD` of a Unix time, by the calendar the Date header uses.
fn utc_date(unix_secs: u64) -> String {
    let d = crate::mail::letter::utc_parts(unix_secs);
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// `DnsName("mx.example")` (webpki's wording of a presented name) →
/// `mx.example`; anything else as it is.
fn plain_name(presented: &str) -> &str {
    match presented.split_once('(') {
        Some((_, rest)) => rest.trim_end_matches(')').trim_matches('"'),
        None => presented,
    }
}

/// Bytes that are not TLS where the handshake should be: usually a plain
/// SMTP greeting on a port without implicit TLS.
fn not_tls(implicit: bool, e: &io::Error) -> String {
    if implicit {
        format!(
            "the server did not answer in TLS ({e}): this port may expect plain SMTP and \
             STARTTLS — use :starttls t instead of :ssl t (port 465 is the usual :ssl port)"
        )
    } else {
        format!("the server accepted STARTTLS but did not answer in TLS ({e})")
    }
}

/// The system store, loaded on first use (`SSL_CERT_FILE`/`SSL_CERT_DIR`
/// honoured by rustls-native-certs). Unreadable entries are skipped.
fn system_roots() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut store = RootCertStore::empty();
            let loaded = rustls_native_certs::load_native_certs();
            store.add_parsable_certificates(loaded.certs);
            Arc::new(store)
        })
        .clone()
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, SmtpError> {
    let file = fs::File::open(path).map_err(|e| tls_error(path.display(), e))?;
    let certs = rustls_pemfile::certs(&mut BufReader::new(file))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_error(path.display(), e))?;
    if certs.is_empty() {
        return Err(tls_error(path.display(), "no PEM certificate in the file"));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, SmtpError> {
    let file = fs::File::open(path).map_err(|e| tls_error(path.display(), e))?;
    rustls_pemfile::private_key(&mut BufReader::new(file))
        .map_err(|e| tls_error(path.display(), e))?
        .ok_or_else(|| tls_error(path.display(), "no PEM private key in the file"))
}

fn add_pem_file(roots: &mut RootCertStore, path: &Path, strict: bool) -> Result<(), SmtpError> {
    match read_certs(path) {
        Ok(certs) => {
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 && strict {
                return Err(tls_error(path.display(), "no usable CA certificate"));
            }
            Ok(())
        }
        Err(e) if strict => Err(e),
        Err(_) => Ok(()),
    }
}

fn add_pem_dir(roots: &mut RootCertStore, dir: &Path) -> Result<(), SmtpError> {
    let entries = fs::read_dir(dir).map_err(|e| tls_error(dir.display(), e))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_file() {
            add_pem_file(roots, &path, false)?;
        }
    }
    Ok(())
}

/// `:verify nil`: accept any certificate, but still check the handshake
/// signatures so the session keys belong to whoever holds the key.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(1_609_459_200), "2021-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
    }

    #[test]
    fn presented_names_lose_their_wrapping() {
        assert_eq!(plain_name("DnsName(\"other.example\")"), "other.example");
        assert_eq!(plain_name("mx.example"), "mx.example");
    }

    fn refused(e: rustls::Error) -> String {
        handshake_error(
            "mx.example",
            true,
            io::Error::new(io::ErrorKind::InvalidData, e),
        )
        .to_string()
    }

    #[test]
    fn certificate_failures_in_plain_words() {
        use rustls::CertificateError as C;
        let untrusted = [
            C::UnknownIssuer,
            C::BadSignature,
            C::UnsupportedSignatureAlgorithmForPublicKeyContext {
                signature_algorithm_id: vec![1],
                public_key_algorithm_id: vec![2],
            },
        ];
        for c in untrusted {
            let text = refused(rustls::Error::InvalidCertificate(c));
            assert_eq!(
                text,
                "TLS: handshake with mx.example failed: certificate not trusted (self-signed / \
                 unknown issuer): give the CA certificate that signed it with :ca-file (or \
                 :ca-directory), or skip the check with :verify nil (not recommended)"
            );
        }
        let text = refused(rustls::Error::InvalidCertificate(C::ExpiredContext {
            time: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_700_000_000)),
            not_after: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_609_459_200)),
        }));
        assert!(text.contains("has expired (on 2021-01-01 UTC)"), "{text}");
    }

    #[test]
    fn a_plain_server_gets_the_starttls_hint() {
        let text = refused(rustls::Error::InvalidMessage(
            rustls::InvalidMessage::InvalidContentType,
        ));
        assert!(text.contains("use :starttls t instead of :ssl t"), "{text}");
        let e = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
        );
        let text = handshake_error("mx.example", false, e).to_string();
        assert!(
            text.contains("accepted STARTTLS but did not answer in TLS"),
            "{text}"
        );
    }
}
