#![forbid(unsafe_code)]

use clap::Parser;
use sfconn::cli::Command;

fn main() -> std::process::ExitCode {
    quiet_on_closed_stdout();
    // A Tab in a shell that sourced `sfconn completions SHELL`: answer it and exit.
    clap_complete::CompleteEnv::with_factory(sfconn::commands::completions::command)
        .var(sfconn::commands::completions::COMPLETE_VAR)
        .complete();
    let cli = sfconn::cli::Cli::parse();
    // `list` only reads two files: worker threads would cost more to start and to join at exit
    // than the whole command (PRODUCT.md section 9 budget, measured by benches/list_json.sh).
    let mut builder = if matches!(cli.command, Some(Command::List(_) | Command::Prompt)) {
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

/// `sfconn test --all | head` closes stdout early. Rust ignores SIGPIPE, so `println!` would panic
/// with "failed printing to stdout: Broken pipe"; like other Unix tools, stop quietly instead.
fn quiet_on_closed_stdout() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
