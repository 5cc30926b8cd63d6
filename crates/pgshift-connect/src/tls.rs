//! The rustls client configuration of a connection, from its [`Settings`]: the certificate
//! check of its `sslmode` (none; the chain only, `verify-ca`; the chain and the host name,
//! `verify-full`), the trusted roots (a PEM file or the platform's store) and the client
//! certificate. Why rustls (through `tokio-postgres-rustls`, with the `ring` provider): it needs
//! no system library at build or run time (no OpenSSL headers on a fresh machine, the same
//! behaviour on every platform), and it is the TLS stack of the tokio ecosystem.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::settings::{Roots, Settings, SslMode};
use crate::ConnectError;

/// The client configuration for `settings`.
pub fn client_config(settings: &Settings) -> Result<ClientConfig, ConnectError> {
    // ring, not aws-lc-rs: it builds with a C compiler alone (no cmake) on a fresh machine;
    // rustls marks it deprecated only for its lack of post-quantum key exchange.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnectError::Tls { reason: e.to_string() })?;
    let verifier: Arc<dyn ServerCertVerifier> = match &settings.roots {
        // No root certificate (prefer, require, allow): encrypted, not authenticated, as libpq.
        Roots::None => Arc::new(Unchecked(provider.clone())),
        roots => {
            let store = Arc::new(root_store(roots)?);
            let webpki = WebPkiServerVerifier::builder_with_provider(store, provider.clone())
                .build()
                .map_err(|e| ConnectError::Tls { reason: e.to_string() })?;
            if settings.mode == SslMode::VerifyFull {
                webpki
            } else {
                // verify-ca, and require/prefer with a root certificate (libpq checks the chain then).
                Arc::new(ChainOnly(webpki))
            }
        }
    };
    let builder = builder.dangerous().with_custom_certificate_verifier(verifier);
    match &settings.client {
        Some((cert, key)) => {
            let chain = certificates(cert, "sslcert")?;
            let key = PrivateKeyDer::from_pem_file(key).map_err(|e| ConnectError::Setting {
                key: "sslkey",
                value: key.display().to_string(),
                reason: format!("not a PEM private key: {e}"),
            })?;
            builder.with_client_auth_cert(chain, key).map_err(|e| ConnectError::Setting {
                key: "sslkey",
                value: String::new(),
                reason: format!("the key does not fit the client certificate: {e}"),
            })
        }
        None => Ok(builder.with_no_client_auth()),
    }
}

fn root_store(roots: &Roots) -> Result<RootCertStore, ConnectError> {
    let mut store = RootCertStore::empty();
    match roots {
        Roots::None => {}
        Roots::File(path) => {
            for cert in certificates(path, "sslrootcert")? {
                store.add(cert).map_err(|e| ConnectError::Setting {
                    key: "sslrootcert",
                    value: path.display().to_string(),
                    reason: format!("a certificate in it is not usable as a root: {e}"),
                })?;
            }
        }
        Roots::System => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(ConnectError::Setting {
                    key: "sslrootcert",
                    value: "system".to_owned(),
                    reason: "the platform's trust store holds no certificate (install ca-certificates, or give the CA's PEM file)".to_owned(),
                });
            }
        }
    }
    Ok(store)
}

fn certificates(path: &Path, key: &'static str) -> Result<Vec<CertificateDer<'static>>, ConnectError> {
    let bad = |reason: String| ConnectError::Setting { key, value: path.display().to_string(), reason };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(format!("cannot be read: {e}")))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(format!("not a PEM certificate file: {e}")))?;
    if certs.is_empty() {
        return Err(bad("holds no PEM certificate".to_owned()));
    }
    Ok(certs)
}

/// No check of the server's certificate (only of the handshake's signatures, which prove the
/// server holds the key of the certificate it sent).
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the names in the certificate are not
/// compared with the host.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. })) => {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
