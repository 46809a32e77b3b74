//! `sfconn keygen NAME`: an RSA 2048 key and a self-signed certificate for the JWT flow, beside
//! the profile file; a jwt connection NAME gets them as its key_file and cert_file.

use std::path::{Path, PathBuf};

use super::Context;
use crate::cli::NameArg;
use crate::error::{CliError, CliResult};
use crate::profile::{Flow, Profiles};

fn absolute(path: PathBuf) -> PathBuf {
    if path.is_absolute() {
        return path;
    }
    std::env::current_dir()
        .map(|d| d.join(&path))
        .unwrap_or(path)
}

fn write(path: &Path, bytes: &[u8], mode: u32) -> CliResult {
    crate::profile::atomic::write_atomic(path, bytes, Some(mode)).map_err(|e| {
        CliError::failure(format!(
            "cannot write {}: {e}; check that the directory is writable",
            path.display()
        ))
    })
}

pub async fn run(ctx: &Context, args: NameArg) -> CliResult {
    let name = args.name;
    crate::profile::validate::validate_name(&name)
        .map_err(|e| CliError::usage(format!("connection name {name:?}: {}", e.message)))?;
    // Read the profile file first: a broken file stops here, before anything is written.
    let profiles = Profiles::load(&ctx.paths.profile_file)?;
    let keys_dir = absolute(ctx.paths.keys_dir());
    let key_path = keys_dir.join(format!("{name}.key"));
    let cert_path = keys_dir.join(format!("{name}.crt"));
    for existing in [&key_path, &cert_path] {
        if existing.exists() {
            return Err(CliError::usage(format!(
                "{} already exists; sfconn does not replace a key that may already be uploaded to Salesforce. \
                 Delete it first if you mean to make a new pair",
                existing.display()
            )));
        }
    }
    let pair = tokio::task::spawn_blocking({
        let name = name.clone();
        move || crate::profile::keys::generate(&name)
    })
    .await
    .map_err(|e| CliError::failure(format!("key generation did not finish: {e}")))?
    .map_err(CliError::failure)?;
    write(&key_path, pair.key_pem.as_bytes(), 0o600)?;
    write(&cert_path, pair.cert_pem.as_bytes(), 0o644)?;

    println!(
        "Private key:  {} (mode 0600, keep it secret)",
        key_path.display()
    );
    println!("Certificate:  {}", cert_path.display());
    match profiles.connections.get(&name) {
        Some(conn) if conn.flow == Flow::Jwt => {
            let (key, cert) = (key_path.clone(), cert_path.clone());
            let target = name.clone();
            crate::profile::update(&ctx.paths.profile_file, move |doc| {
                let mut conn = doc
                    .profiles()
                    .require(&target)
                    .map_err(CliError::from)?
                    .clone();
                conn.key_file = Some(key);
                conn.cert_file = Some(cert);
                doc.upsert(&conn);
                Ok::<(), CliError>(())
            })?;
            println!("Connection {name} now uses this key and certificate.");
        }
        Some(conn) => println!(
            "Connection {name} uses the {} flow, so it was not changed; the key is for jwt connections.",
            conn.flow
        ),
        None => println!(
            "Use it with: sfconn add {name} --flow jwt --key-file {} --cert-file {} --client-id ... --username ...",
            key_path.display(),
            cert_path.display()
        ),
    }
    println!(
        "Upload the certificate to the app in Salesforce: Setup > External Client App Manager > your app > \
         Edit Settings > OAuth Settings > tick \"Use digital signatures\" and upload {}.",
        cert_path.display()
    );
    Ok(())
}
