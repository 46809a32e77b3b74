//! `sfconn keygen NAME`: an RSA 2048 key and a self-signed certificate for the JWT flow, beside
//! the profile file; a jwt connection NAME gets them as its key_file and cert_file.

use super::Context;
use crate::cli::NameArg;
use crate::error::{CliError, CliResult};
use crate::lifecycle::{Draft, ExistingKeys, Lifecycle};
use crate::profile::{Flow, Profiles};

pub async fn run(ctx: &Context, args: NameArg) -> CliResult {
    let name = args.name;
    // Read the profile file first: a broken file stops here, before anything is written.
    let profiles = Profiles::load(&ctx.paths.profile_file)?;
    let dir = ctx.paths.keys_dir();
    let target = name.clone();
    let files = tokio::task::spawn_blocking(move || {
        crate::lifecycle::keygen(&dir, &target, ExistingKeys::Refuse)
    })
    .await
    .map_err(|e| CliError::failure(format!("key generation did not finish: {e}")))??;
    println!(
        "Private key:  {} (mode 0600, keep it secret)",
        files.key.display()
    );
    println!("Certificate:  {}", files.cert.display());
    match profiles.connections.get(&name) {
        Some(conn) if conn.flow == Flow::Jwt => {
            let mut changed = conn.clone();
            changed.key_file = Some(files.key.clone());
            changed.cert_file = Some(files.cert.clone());
            let lifecycle = Lifecycle::new(ctx.paths.clone(), super::common::open_secrets(ctx)?);
            let target = name.clone();
            tokio::task::spawn_blocking(move || {
                lifecycle.edit(&target, Draft::new(changed, Vec::new()))
            })
            .await
            .map_err(|e| CliError::failure(format!("the save did not finish: {e}")))??;
            println!("Connection {name} now uses this key and certificate.");
        }
        Some(conn) => println!(
            "Connection {name} uses the {} flow, so it was not changed; the key is for jwt connections.",
            conn.flow
        ),
        None => println!(
            "Use it with: sfconn add {name} --flow jwt --key-file {} --cert-file {} --client-id CONSUMER_KEY --username USER",
            files.key.display(),
            files.cert.display()
        ),
    }
    println!(
        "Upload the certificate to the app in Salesforce: Setup → External Client App Manager → your app → \
         Settings → OAuth Settings: enable the JWT Bearer Flow and upload {} there.",
        files.cert.display()
    );
    Ok(())
}
