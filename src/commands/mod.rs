//! One file per non-interactive command; each calls the engine and prints.

use crate::cli::{Cli, Command};
use crate::error::CliResult;
use crate::paths::Paths;

pub mod add;
pub mod app;
pub mod common;
pub mod completions;
pub mod demo;
pub mod doctor;
pub mod env;
pub mod exec;
pub mod export_sf;
pub mod import_sf;
pub mod keygen;
pub mod list;
pub mod login;
pub mod migrate;
pub mod open;
pub mod prompt;
pub mod remove;
pub mod rename;
pub mod revoke;
pub mod secret_input;
mod session;
pub mod show;
pub mod status;
pub mod test;
pub mod token;
pub mod use_default;

/// What every command gets: where the files are and the global options.
#[derive(Debug, Clone)]
pub struct Context {
    pub paths: Paths,
    /// `--timeout SECS`, overriding the profile file's `timeout_secs`.
    pub timeout: Option<u64>,
}

/// Run one command. `sfconn` without a command opens the TUI.
pub async fn run(cli: Cli) -> CliResult {
    let Some(command) = cli.command else {
        let paths = Paths::resolve(cli.config.as_deref())?;
        return crate::tui::run(Context {
            paths,
            timeout: cli.timeout,
        })
        .await;
    };
    if let Command::Completions(args) = command {
        return completions::run(args);
    }
    if let Command::Demo(args) = command {
        return demo::run(args, cli.timeout).await;
    }
    let ctx = Context {
        paths: Paths::resolve(cli.config.as_deref())?,
        timeout: cli.timeout,
    };
    match command {
        Command::List(args) => list::run(&ctx, args).await,
        Command::Show(args) => show::run(&ctx, args).await,
        Command::Add(args) => add::run_add(&ctx, args).await,
        Command::Edit(args) => add::run_edit(&ctx, args).await,
        Command::Rename(args) => rename::run(&ctx, args).await,
        Command::Remove(args) => remove::run(&ctx, args).await,
        Command::Use(args) => use_default::run(&ctx, args).await,
        Command::Login(args) => login::run(&ctx, args).await,
        Command::Test(args) => test::run(&ctx, args).await,
        Command::Token(args) => token::run(&ctx, args).await,
        Command::Env(args) => env::run(&ctx, args).await,
        Command::Doctor(args) => doctor::run(&ctx, args).await,
        Command::Keygen(args) => keygen::run(&ctx, args).await,
        Command::Revoke(args) => revoke::run(&ctx, args).await,
        Command::Open(args) => open::run(&ctx, args).await,
        Command::App(crate::cli::AppCommand::Plan(args)) => app::run_plan(&ctx, args).await,
        Command::App(crate::cli::AppCommand::Deploy(args)) => app::run_deploy(&ctx, args).await,
        Command::Migrate(args) => migrate::run(&ctx, args).await,
        Command::Status(args) => status::run(&ctx, args).await,
        Command::Prompt => prompt::run(&ctx),
        Command::Exec(args) => exec::run(&ctx, args).await,
        Command::Export(args) => export_sf::run(&ctx, args).await,
        Command::Import(args) => import_sf::run(&ctx, args).await,
        Command::Completions(_) | Command::Demo(_) => Ok(()),
    }
}
