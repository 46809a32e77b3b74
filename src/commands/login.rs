//! `sfconn login [NAME] [--no-browser] [--json]`: run the connection's flow now and store tokens.

use super::Context;
use super::session::{Session, print_json, report_result};
use crate::cli::LoginArgs;
use crate::error::CliResult;
use crate::salesforce::{LoginEvent, LoginOptions, StepName};

pub async fn run(ctx: &Context, args: LoginArgs) -> CliResult {
    let (session, conn) = Session::for_connection(ctx, args.name.as_deref())?;
    let opts = LoginOptions::new(session.timeout(ctx, &conn), args.no_browser);
    // Progress goes to stderr so that stdout holds only the result (or the JSON).
    let on_event = |event: LoginEvent| match event {
        LoginEvent::BrowserOpened { url } => {
            eprintln!(
                "Opened the browser to sign in. If it did not appear, open this URL:\n  {url}"
            );
        }
        LoginEvent::OpenThisUrl { url } => {
            eprintln!("Open this URL in a browser to sign in:\n  {url}");
        }
        LoginEvent::BrowserUnavailable { url, reason } => {
            eprintln!(
                "Could not open a browser ({reason}). Open this URL yourself:\n  {url}\n\
                 (On a machine without a browser, the device flow works too: `sfconn add NAME --flow device ...`.)"
            );
        }
        LoginEvent::DeviceCode {
            user_code,
            verification_uri,
            ..
        } => {
            eprintln!("On any device, go to {verification_uri}\nand enter the code: {user_code}");
        }
        LoginEvent::Waiting { detail, .. } => eprintln!("{detail} ..."),
    };
    let mut report = session.engine.login(&conn, &opts, &on_event).await;
    super::test::record(ctx, std::slice::from_ref(&report));
    crate::diagnose::for_connection(&mut report.hints, &conn.name, Some("login"));
    if args.json {
        print_json(&report)?;
    } else {
        print!(
            "{}",
            super::test::render(&report, &[StepName::Token, StepName::Userinfo])
        );
    }
    report_result(&report, &conn)
}
