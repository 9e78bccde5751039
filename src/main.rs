use std::process::ExitCode;

use clap::Parser;

use dmsctl::cli::{Cli, run};

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("dmsctl: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(dmsctl::Error::ExitStatus(code)) => ExitCode::from(code),
        Err(e) => {
            tracing::error!(error = %e, "command failed");
            eprintln!("dmsctl: {e}");
            ExitCode::from(if e.is_user_error() { 2 } else { 1 })
        }
    }
}

/// Logs go to a file (the console owns the terminal): `$DMSCTL_LOG_FILE`, else
/// `dmsctl.log` in the user's state/data dir. Level from `$DMSCTL_LOG` (default info).
/// A log file that cannot be opened never stops a command.
fn init_logging() {
    let path = std::env::var_os("DMSCTL_LOG_FILE")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            directories::ProjectDirs::from("", "", "dmsctl").map(|d| {
                d.state_dir()
                    .unwrap_or_else(|| d.data_local_dir())
                    .join("dmsctl.log")
            })
        });
    let Some(path) = path else { return };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("DMSCTL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}

/// `dmsctl log | head -1`: when the reader goes away, `println!` panics with a broken
/// pipe. That is the reader's choice, not a failure: end quietly with status 0.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.contains("failed printing to stdout") && text.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
