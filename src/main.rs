#![forbid(unsafe_code)]

use clap::Parser;
use sfconn::cli::Command;

fn main() -> std::process::ExitCode {
    let cli = sfconn::cli::Cli::parse();
    // `list` only reads two files: worker threads would cost more to start and to join at exit
    // than the whole command (PRODUCT.md section 9 budget, measured by benches/list_json.sh).
    let mut builder = if matches!(cli.command, Some(Command::List(_))) {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return std::process::ExitCode::from(1);
        }
    };
    match runtime.block_on(sfconn::commands::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::ExitCode::from(err.code as u8)
        }
    }
}
