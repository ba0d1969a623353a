//! rustls client configuration: system roots (loaded once, only when TLS is
//! used), extra CAs, client certificates, verification switch.

use std::fs;
use std::io::BufReader;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{self, CryptoProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::error::{ErrorKind, SmtpError};
use super::server::{strip_brackets, TlsOptions, TlsVersion};

/// Build the client configuration for `options`.
pub(crate) fn client_config(options: &TlsOptions) -> Result<Arc<ClientConfig>, SmtpError> {
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
