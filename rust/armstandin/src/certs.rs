//! A throw-away test CA and a server certificate for 127.0.0.1 and localhost.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::{IpAddr, Ipv4Addr};

pub struct Generated {
    pub ca_pem: String,
    pub server_pem: String,
    pub server_der: CertificateDer<'static>,
    pub server_key: PrivateKeyDer<'static>,
}

pub fn generate() -> Result<Generated, rcgen::Error> {
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, "arm-standin test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key)?;

    let key = KeyPair::generate()?;
    let mut leaf = CertificateParams::new(vec!["localhost".to_string()])?;
    leaf.subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    leaf.distinguished_name
        .push(DnType::CommonName, "arm-standin 127.0.0.1");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    // OpenSSL's X509_STRICT (Python 3.13's default) wants an authority key identifier.
    leaf.use_authority_key_identifier_extension = true;
    let cert = leaf.signed_by(&key, &ca_cert, &ca_key)?;

    Ok(Generated {
        ca_pem: ca_cert.pem(),
        server_pem: cert.pem(),
        server_der: cert.der().clone(),
        server_key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
    })
}
