//! Command-line definitions (PRODUCT.md section 4).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::profile::{Environment, Flow};
use crate::secrets::SecretKind;

#[derive(Debug, Parser)]
#[command(
    name = "sfconn",
    version,
    about = "Set up, test, diagnose and switch Salesforce connections",
    long_about = "Set up, test, diagnose and switch Salesforce connections.\n\nWith no command, sfconn opens the terminal UI."
)]
pub struct Cli {
    /// Use this profile file instead of the default (other files go beside it)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Timeout for every request to Salesforce, in seconds (default: the profile file's timeout_secs, or 10)
    #[arg(long, global = true, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: Option<u64>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Try sfconn against the built-in practice org
    Demo(DemoArgs),
    /// List connections
    List(JsonArg),
    /// Show one connection: settings, stored secret kinds, last test
    Show(ShowArgs),
    /// Create a connection (secrets come from SFCONN_* variables or a hidden prompt)
    Add(AddArgs),
    /// Change a connection's settings or secrets (`--secret KIND` asks for one again)
    Edit(EditArgs),
    /// Rename a connection (its secrets move with it)
    Rename(RenameArgs),
    /// Delete a connection and its secrets
    Remove(ConfirmNameArg),
    /// Make a connection the default; with no name, print it; `-` goes back to the previous one
    Use(UseArgs),
    /// Run a connection's OAuth flow now and store its tokens
    Login(LoginArgs),
    /// Test connections: reach, token, userinfo, api
    Test(TestArgs),
    /// Print a valid access token
    Token(TokenArgs),
    /// Print SF_ACCESS_TOKEN and SF_INSTANCE_URL for eval
    Env(EnvArgs),
    /// Preflight checks, the test and the hints for one connection
    Doctor(DoctorArgs),
    /// Make an RSA 2048 key and a self-signed certificate for the JWT flow
    Keygen(NameArg),
    /// Revoke the stored tokens at Salesforce and forget them
    Revoke(ConfirmNameArg),
    /// Open the org in the browser
    Open(OpenArgs),
    /// Print shell completions
    Completions(CompletionsArgs),
    /// Create the External Client App a connection needs: plan it as metadata, deploy it
    #[command(subcommand)]
    App(AppCommand),
    /// Move a password connection to jwt or client-credentials before the flow's retirement (2027-02-20)
    Migrate(MigrateArgs),
    /// The effective connection, why it is the one, its environment and its token's state
    Status(StatusArgs),
    /// The effective connection for a shell prompt (no network, no keychain)
    Prompt,
    /// Run a command with SF_ACCESS_TOKEN and SF_INSTANCE_URL (and the Salesforce CLI's
    /// SF_TARGET_ORG, SF_ORG_INSTANCE_URL) from a valid token; exits with its exit code
    Exec(ExecArgs),
    /// Hand a working login to another tool through its own login commands
    Export(ExportArgs),
    /// Add connections from another tool's logins (read only)
    Import(ImportArgs),
}

#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Write the app as an SFDX project and a metadata zip, and print what it will allow
    Plan(AppPlanArgs),
    /// Deploy the app with an admin connection, store its consumer key, and test the connection
    Deploy(AppDeployArgs),
}

/// What the app needs beyond the connection's settings.
#[derive(Debug, Args)]
pub struct AppOptions {
    /// jwt: API name of the permission set whose users are pre-authorized (assign it to the user)
    #[arg(long = "permission-set", value_name = "NAME")]
    pub permission_set: Option<String>,
    /// client-credentials: the user every token runs as
    #[arg(long = "run-as", value_name = "USERNAME")]
    pub run_as: Option<String>,
}

#[derive(Debug, Args)]
pub struct AppPlanArgs {
    #[command(flatten)]
    pub conn: AddArgs,
    #[command(flatten)]
    pub app: AppOptions,
    /// Where to write the plan (default: DIR/apps/NAME beside the profile file)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AppDeployArgs {
    #[command(flatten)]
    pub conn: AddArgs,
    #[command(flatten)]
    pub app: AppOptions,
    /// A connection of a user allowed to deploy External Client Apps (same org)
    #[arg(long, value_name = "ADMIN")]
    pub admin: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MigrateTo {
    Jwt,
    ClientCredentials,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The password connection
    pub name: String,
    /// The flow that replaces the password flow
    #[arg(long, value_enum, required_unless_present = "finish")]
    pub to: Option<MigrateTo>,
    /// Deploy the replacement app with this admin connection (without it: only plan)
    #[arg(long, value_name = "ADMIN", conflicts_with = "finish")]
    pub admin: Option<String>,
    #[command(flatten)]
    pub app: AppOptions,
    /// Remove the old connection NAME-password and its secrets
    #[arg(long, conflicts_with = "to")]
    pub finish: bool,
    /// Where to write the plan (default: DIR/apps/NAME beside the profile file)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct JsonArg {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct NameArg {
    /// Connection name
    pub name: String,
}

/// `remove` and `revoke`: a production connection asks for its name on a terminal; without
/// one, `--yes` says the caller means it (PRODUCT.md section 4).
#[derive(Debug, Args)]
pub struct ConfirmNameArg {
    /// Connection name
    pub name: String,
    /// Do not ask for the name of a production connection (needed without a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct OptNameArg {
    /// Connection name (default: SFCONN_PROFILE, then the default connection)
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Connection name (default: SFCONN_PROFILE, then the default connection)
    pub name: Option<String>,
    /// The command and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportTarget {
    /// The Salesforce CLI (`sf`, found on PATH or in SFCONN_SF_BIN)
    Sf,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Connection name
    pub name: String,
    /// The tool to hand the login to
    #[arg(long, value_enum)]
    pub to: ExportTarget,
    /// Alias for the login in the Salesforce CLI (default: the connection name)
    #[arg(long)]
    pub alias: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Where the logins are: `sf`, the Salesforce CLI (~/.sfdx)
    #[arg(value_enum)]
    pub from: ExportTarget,
    /// The CLI's aliases or usernames to import
    #[arg(
        value_name = "ALIAS|USERNAME",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub logins: Vec<String>,
    /// Import every login the CLI has
    #[arg(long)]
    pub all: bool,
    /// Replace a connection of the same name
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Connection name (default: SFCONN_PROFILE, then the default connection)
    pub name: Option<String>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct UseArgs {
    /// Connection to make the default; `-` for the previous default; none to print the default
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Connection name (default: SFCONN_PROFILE, then the default connection)
    pub name: Option<String>,
    /// Print {"name", "access_token", "instance_url", "token_source", "expires_at", "scopes"}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Connection name (default: SFCONN_PROFILE, then the default connection)
    pub name: Option<String>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    pub old: String,
    pub new: String,
}

/// Settings shared by `add` and `edit`. Secrets are never flags.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Connection name: letters, digits, '.', '_' and '-', 1 to 64 characters
    pub name: String,
    /// OAuth flow
    #[arg(long, value_enum)]
    pub flow: Option<Flow>,
    /// production (login.salesforce.com) or sandbox (test.salesforce.com)
    #[arg(long = "env", value_enum)]
    pub environment: Option<Environment>,
    /// My Domain host or URL, e.g. acme.my.salesforce.com ("" clears it)
    #[arg(long)]
    pub domain: Option<String>,
    /// Consumer key of the External Client App or Connected App
    #[arg(long = "client-id")]
    pub client_id: Option<String>,
    /// Salesforce username (jwt, password)
    #[arg(long)]
    pub username: Option<String>,
    /// Private key file, PEM (jwt)
    #[arg(long = "key-file")]
    pub key_file: Option<PathBuf>,
    /// Certificate uploaded to the app, PEM (jwt)
    #[arg(long = "cert-file")]
    pub cert_file: Option<PathBuf>,
    /// JWT audience URL (default by environment)
    #[arg(long)]
    pub audience: Option<String>,
    /// OAuth scopes, space separated (web, device)
    #[arg(long)]
    pub scopes: Option<String>,
    /// Local callback port (web)
    #[arg(long = "callback-port")]
    pub callback_port: Option<u16>,
    /// Request timeout for this connection, in seconds
    #[arg(long = "timeout-secs")]
    pub timeout_secs: Option<u64>,
}

/// `edit`: the settings of `add`, plus secrets to enter again or to remove.
#[derive(Debug, Args)]
pub struct EditArgs {
    #[command(flatten)]
    pub settings: AddArgs,
    /// Enter this secret again at a hidden prompt (or from its SFCONN_* variable):
    /// client_secret, password, security_token or private_key
    #[arg(long = "secret", value_name = "KIND", value_parser = parse_typed_secret)]
    pub secret: Vec<SecretKind>,
    /// Remove this optional secret (client_secret of web, security_token of password)
    #[arg(long = "clear-secret", value_name = "KIND", value_parser = parse_typed_secret)]
    pub clear_secret: Vec<SecretKind>,
}

/// The secret kinds a person types (PRODUCT.md section 3); tokens are Salesforce's to issue.
fn parse_typed_secret(s: &str) -> Result<SecretKind, String> {
    SecretKind::parse(s)
        .filter(|k| k.is_credential())
        .ok_or_else(|| {
            let kinds: Vec<&str> = SecretKind::ALL
                .into_iter()
                .filter(|k| k.is_credential())
                .map(SecretKind::as_str)
                .collect();
            format!(
                "`{s}` is not a secret you can enter; use one of {}",
                kinds.join(", ")
            )
        })
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Connection name (default: SFCONN_PROFILE, then the default connection)
    pub name: Option<String>,
    /// Print the authorization URL instead of opening a browser (web)
    #[arg(long)]
    pub no_browser: bool,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Connection name (default: SFCONN_PROFILE, then the default connection)
    #[arg(conflicts_with = "all")]
    pub name: Option<String>,
    /// Test every connection
    #[arg(long)]
    pub all: bool,
    /// How many connections to test at once with --all
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// Ignore the cached access token: prove the credentials with a new grant (jwt,
    /// client-credentials, password) or the refresh token (web, device)
    #[arg(long)]
    pub fresh: bool,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShellKind {
    Sh,
    Fish,
    Powershell,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// Connection name (default: SFCONN_PROFILE, then the default connection)
    pub name: Option<String>,
    /// Shell syntax of the assignments
    #[arg(long, value_enum, default_value = "sh")]
    pub shell: ShellKind,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Connection name (default: SFCONN_PROFILE, then the default connection)
    pub name: Option<String>,
    /// Write a redacted plain-text report for a support ticket
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct OpenArgs {
    /// Connection name (default: SFCONN_PROFILE, then the default connection)
    pub name: Option<String>,
    /// Print the frontdoor URL instead of opening the browser (it contains a session token)
    #[arg(long)]
    pub print_url: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Run only the practice org in the foreground and print its URL and credentials
    #[arg(long)]
    pub serve: bool,
    /// Port of the practice org, with or without --serve (default: a free port)
    #[arg(long)]
    pub port: Option<u16>,
    /// With --serve: keep the practice org's ports and demo key in DIR, so a restart prints the same
    /// URLs and `sfconn add` lines
    #[arg(long, value_name = "DIR", requires = "serve")]
    pub home: Option<PathBuf>,
    /// Practice-org scenario file (default: the built-in one)
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Milliseconds the practice org waits before answering each request
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
