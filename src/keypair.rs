//! An RSA 2048 key and a self-signed certificate for the JWT bearer flow (`sfconn keygen` and the
//! jwt wizard): the key stays on this machine (mode 0600), the certificate is uploaded to the
//! External Client App ("Use digital signatures").

use std::io::Write;
use std::path::{Path, PathBuf};

use rcgen::{CertificateParams, DnType, KeyPair, PKCS_RSA_SHA256, RsaKeySize, date_time_ymd};

#[derive(Debug, thiserror::Error)]
pub enum KeygenError {
    #[error("cannot make an RSA key: {0}")]
    Crypto(String),
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
}

/// Where the key pair went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFiles {
    pub key: PathBuf,
    pub cert: PathBuf,
    /// Both files were already there and were kept (a certificate may already be uploaded).
    pub reused: bool,
}

/// `keys_dir/NAME.key` and `keys_dir/NAME.crt`. Existing files are never overwritten: when both
/// exist they are returned as they are.
pub fn generate(keys_dir: &Path, name: &str) -> Result<KeyFiles, KeygenError> {
    let key_path = keys_dir.join(format!("{name}.key"));
    let cert_path = keys_dir.join(format!("{name}.crt"));
    if key_path.exists() && cert_path.exists() {
        return Ok(KeyFiles {
            key: key_path,
            cert: cert_path,
            reused: true,
        });
    }
    let crypto = |e: rcgen::Error| KeygenError::Crypto(e.to_string());
    // rcgen's default ring backend cannot make RSA keys; aws-lc-rs can (research/dependencies.md).
    let key = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048).map_err(crypto)?;
    let mut params = CertificateParams::new(vec!["sfconn.local".to_string()]).map_err(crypto)?;
    params
        .distinguished_name
        .push(DnType::CommonName, format!("sfconn {name}"));
    params.not_after = date_time_ymd(2036, 1, 1);
    let cert = params.self_signed(&key).map_err(crypto)?;
    std::fs::create_dir_all(keys_dir).map_err(|e| KeygenError::Write {
        path: keys_dir.display().to_string(),
        reason: e.to_string(),
    })?;
    write_new(&key_path, key.serialize_pem().as_bytes(), true)?;
    write_new(&cert_path, cert.pem().as_bytes(), false)?;
    Ok(KeyFiles {
        key: key_path,
        cert: cert_path,
        reused: false,
    })
}

/// Write through a temp file in the same directory, then rename: never a half-written key.
fn write_new(path: &Path, bytes: &[u8], private: bool) -> Result<(), KeygenError> {
    let err = |e: &dyn std::fmt::Display| KeygenError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| err(&e))?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| err(&e))?;
    }
    #[cfg(not(unix))]
    let _ = private;
    tmp.write_all(bytes).map_err(|e| err(&e))?;
    tmp.as_file().sync_all().map_err(|e| err(&e))?;
    tmp.persist(path).map_err(|e| err(&e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_a_private_key_and_a_certificate_and_never_overwrites_them() {
        let dir = tempfile::tempdir().unwrap();
        let files = generate(dir.path(), "acme-jwt").unwrap();
        assert!(!files.reused);
        let key = std::fs::read_to_string(&files.key).unwrap();
        let cert = std::fs::read_to_string(&files.cert).unwrap();
        assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&files.key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = generate(dir.path(), "acme-jwt").unwrap();
        assert!(again.reused);
        assert_eq!(std::fs::read_to_string(&again.key).unwrap(), key);
    }
}
