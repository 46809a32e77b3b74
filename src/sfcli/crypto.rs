//! The CLI's key and cipher (research/sf-cli-auth-store.md, "The encryption key", "The cipher"):
//! AES-256-GCM, stored as `<iv><ciphertext hex>:<tag hex>`. A 32-character key ("v1") is used as
//! its ASCII bytes with a 12-character ASCII IV; a 64-hex-character key ("v2") is hex-decoded,
//! with a 24-hex-character IV.

use std::path::Path;
use std::process::{Command, Stdio};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

use super::SfCliError;

/// Decrypt one stored value. A value that does not look encrypted is plain text (the CLI keeps
/// those as they are).
pub fn decrypt(key: &str, value: &str) -> Result<String, String> {
    let Some((data, tag)) = value.rsplit_once(':') else {
        return Ok(value.to_string());
    };
    let Some(tag) = crate::hex::decode(tag).filter(|t| t.len() == 16) else {
        return Ok(value.to_string());
    };
    let (key_bytes, iv, ciphertext) = match key.len() {
        32 => (
            key.as_bytes().to_vec(),
            data.get(..12).map(|s| s.as_bytes().to_vec()),
            data.get(12..).and_then(crate::hex::decode),
        ),
        64 => (
            crate::hex::decode(key).ok_or("the key is not hex")?,
            data.get(..24).and_then(crate::hex::decode),
            data.get(24..).and_then(crate::hex::decode),
        ),
        n => {
            return Err(format!(
                "a key of {n} characters is neither format (32 or 64)"
            ));
        }
    };
    let (Some(iv), Some(mut in_out)) = (iv, ciphertext) else {
        return Err("the value is not `<iv><hex>:<tag>`".into());
    };
    in_out.extend_from_slice(&tag);
    let unbound = UnboundKey::new(&AES_256_GCM, &key_bytes).map_err(|_| "bad key length")?;
    let nonce = Nonce::try_assume_unique_for_key(&iv).map_err(|_| "bad IV length")?;
    let plain = LessSafeKey::new(unbound)
        .open_in_place(nonce, Aad::empty(), &mut in_out)
        .map_err(|_| "the key does not open it")?;
    String::from_utf8(plain.to_vec()).map_err(|_| "not text once decrypted".into())
}

/// The CLI's key: `key.json` in its directory when it uses the generic keychain (Windows, or
/// `SF_USE_GENERIC_UNIX_KEYCHAIN=true`, or the file is there), else the OS keychain entry
/// (service `sfdx`, account `local`) through the tool the CLI itself uses, which reads it to
/// standard output (never a command-line argument).
pub fn find_key(dir: &Path) -> Result<String, SfCliError> {
    let key_file = dir.join("key.json");
    let mut looked = vec![key_file.display().to_string()];
    if key_file.exists() {
        let json = super::read_json(&key_file)?;
        return json
            .get("key")
            .and_then(|k| k.as_str())
            .map(str::to_string)
            .ok_or_else(|| SfCliError::Read {
                path: key_file.display().to_string(),
                reason: "no `key` field".into(),
            });
    }
    let (program, args): (String, &[&str]) = if cfg!(target_os = "macos") {
        (
            "/usr/bin/security".into(),
            &["find-generic-password", "-a", "local", "-s", "sfdx", "-w"],
        )
    } else {
        (
            std::env::var("SFDX_SECRET_TOOL_PATH").unwrap_or_else(|_| "secret-tool".into()),
            &["lookup", "user", "local", "domain", "sfdx"],
        )
    };
    looked.push(format!("the OS keychain (`{program} {}`)", args.join(" ")));
    let output = Command::new(&program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    if let Ok(out) = output
        && out.status.success()
    {
        let key = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !key.is_empty() {
            return Ok(key);
        }
    }
    Err(SfCliError::NoKey {
        looked: looked.join(" and "),
        hint: "Run any `sf org list` once to make sure the CLI can read its logins; if it keeps them in key.json, it needs SF_USE_GENERIC_UNIX_KEYCHAIN=true".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_pass_through() {
        assert_eq!(decrypt("k", "plain").unwrap(), "plain");
    }

    #[test]
    fn v1_and_v2_round_trip() {
        // Encrypt as the CLI does, then read back.
        for key in ["0123456789abcdef0123456789abcdef", &"ab".repeat(32)] {
            let (key_bytes, iv, iv_text) = if key.len() == 32 {
                (
                    key.as_bytes().to_vec(),
                    b"abcdefghijkl".to_vec(),
                    "abcdefghijkl".to_string(),
                )
            } else {
                (
                    crate::hex::decode(key).unwrap(),
                    vec![7u8; 12],
                    "07".repeat(12),
                )
            };
            let sealing = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key_bytes).unwrap());
            let mut data = b"5Aep861.secret!".to_vec();
            let tag = sealing
                .seal_in_place_separate_tag(
                    Nonce::try_assume_unique_for_key(&iv).unwrap(),
                    Aad::empty(),
                    &mut data,
                )
                .unwrap();
            let to_hex = crate::hex::encode;
            let stored = format!("{iv_text}{}:{}", to_hex(&data), to_hex(tag.as_ref()));
            assert_eq!(decrypt(key, &stored).unwrap(), "5Aep861.secret!");
            assert!(decrypt(&"cd".repeat(32), &stored).is_err() || key.len() == 32);
        }
    }
}
