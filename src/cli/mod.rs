//! The command line: every operation a script needs, on the same service layer as the
//! console. Exit code 0 on success, 2 on bad input (nothing changed), 1 otherwise.

mod config_edit;
mod enqueue;
mod monitor;
mod oauth;
mod output;
mod queue;
mod settings;
mod worker;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{ConfigSource, LoadedConfig};
use crate::error::Result;
use crate::queue::MailQueue;
use crate::services::Services;
use crate::settings::Settings;

pub use output::OutputMode;

#[derive(Debug, Parser)]
#[command(
    name = "dmsctl",
    version,
    about = "Settings and outgoing mail console of a document-management server",
    long_about = None
)]
pub struct Cli {
    /// Config file (default: $DMSCTL_CONFIG, /etc/dmsctl/config.toml, then the user config dir).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Database URL (sqlite://PATH or postgres://...); overrides `database_url`.
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,

    /// Print data as JSON.
    #[arg(long, global = true)]
    pub json: bool,

    /// Console language: en or pl (default: config `language`, then LANG). The
    /// commands print English; only the console is translated.
    #[arg(long, value_parser = ["en", "pl"])]
    pub lang: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the console (the default when no command is given).
    Console {
        /// Console language: en or pl (default: config `language`, then LANG).
        #[arg(long, value_parser = ["en", "pl"])]
        lang: Option<String>,
    },
    /// Create or update the database schema.
    Migrate,
    /// Show, change, export and import the settings tabs.
    #[command(subcommand)]
    Settings(settings::SettingsCommand),
    /// Put a mail into the outgoing queue; prints its id.
    Enqueue(enqueue::EnqueueArgs),
    /// Look at and act on queued mail.
    #[command(subcommand)]
    Queue(queue::QueueCommand),
    /// Show the work log, newest first.
    Log(queue::LogArgs),
    /// Show the deployment config in use; `config edit` edits it.
    Config {
        #[command(subcommand)]
        action: Option<config_edit::ConfigAction>,
    },
    /// Print a shell completion script: `dmsctl completions bash > /etc/bash_completion.d/dmsctl`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), generated from these definitions.
    #[command(hide = true)]
    Man,
    /// Run the sender: deliver due mails over SMTP or sendmail.
    Worker(worker::WorkerArgs),
    /// Queue a test message from the mail account (and with --wait, report the outcome).
    SendTest(worker::SendTestArgs),
    /// Check the connection to the mail server.
    #[command(subcommand)]
    Check(worker::CheckCommand),
    /// Microsoft 365 sign-in for the mail account (OAuth2 device code).
    #[command(subcommand)]
    Oauth(oauth::OAuthCommand),
    /// Fill the operators table with a few demo operators (as the DMS would), for
    /// trying the File storage pane; operators already there are kept.
    Demo,
}

impl Command {
    /// Commands that never write: they must not create a database on a mistyped path.
    fn only_reads(&self) -> bool {
        match self {
            Command::Queue(q) => q.only_reads(),
            Command::Log(_) => true,
            Command::Settings(s) => s.only_reads(),
            _ => false,
        }
    }
}

/// What every command needs: the config and the database.
pub struct Context {
    pub config: LoadedConfig,
    pub services: Services,
    pub output: OutputMode,
}

impl Context {
    pub fn queue(&self) -> MailQueue {
        self.services.queue()
    }

    pub fn settings(&self) -> Settings {
        self.services.settings(self.config.key_file())
    }

    pub fn work_log(&self) -> crate::worklog::WorkLog {
        self.services.work_log()
    }

    pub fn senders(&self) -> crate::senders::SenderRegistry {
        self.services.senders()
    }

    pub fn oauth(&self) -> crate::oauth::OAuth {
        self.services
            .oauth(self.settings(), &self.config.config.oauth)
    }
}

async fn console(ctx: &Context, lang: Option<&str>) -> Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(crate::Error::invalid_argument(
            "console",
            "needs a terminal; in scripts use a command such as `dmsctl queue stats` (see --help)",
        ));
    }
    if crate::tui::theme::Colours::of_terminal() == crate::tui::theme::Colours::Unusable {
        return Err(crate::Error::invalid_argument(
            "TERM",
            "the console needs a terminal that can move the cursor (TERM is `dumb` or unset); \
             set TERM (xterm-256color, linux, screen, …) or use the commands (see --help)",
        ));
    }
    let lang = crate::i18n::Lang::choose(lang, ctx.config.config.language.as_deref());
    crate::tui::run(
        ctx.services.clone(),
        ctx.settings(),
        &ctx.config,
        crate::tui::ConsoleOptions {
            lang,
            actor: crate::settings::Actor::from_env(),
        },
    )
    .await
}

/// Demo operators: what the DMS would have put into `operators`.
pub const DEMO_OPERATORS: [(&str, &str); 5] = [
    ("jkowalski", "Jan Kowalski"),
    ("anowak", "Anna Nowak"),
    ("pzielinski", "Piotr Zieliński"),
    ("mwisniewska", "Maria Wiśniewska"),
    ("admin", "Administrator"),
];

async fn demo(ctx: &Context) -> Result<()> {
    let operators: Vec<crate::model::Operator> = DEMO_OPERATORS
        .iter()
        .map(|(login, name)| crate::model::Operator {
            login: (*login).into(),
            name: (*name).into(),
        })
        .collect();
    let added = ctx.settings().add_operators(&operators).await?;
    match ctx.output {
        OutputMode::Json => output::print_json(&serde_json::json!({ "operators_added": added })),
        OutputMode::Text => {
            println!("{added} demo operator(s) added");
            Ok(())
        }
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    // `--lang` before a command that prints English would say nothing: refuse it.
    if cli.lang.is_some() && !matches!(cli.command, None | Some(Command::Console { .. })) {
        return Err(crate::Error::invalid_argument(
            "--lang",
            "applies to the console only (`dmsctl --lang pl` or `dmsctl console --lang pl`); the commands print English",
        ));
    }
    // Generated from the definitions alone: no config, no database.
    match &cli.command {
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "dmsctl",
                &mut std::io::stdout(),
            );
            return Ok(());
        }
        Some(Command::Man) => {
            use clap::CommandFactory;
            return clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .map_err(|e| crate::Error::io("cannot write the manual page", e));
        }
        _ => {}
    }
    let source = ConfigSource::from_args_and_env(cli.config.clone(), cli.database.clone());
    if let Some(Command::Config {
        action: Some(config_edit::ConfigAction::Edit),
    }) = &cli.command
    {
        let path = source.file_path().ok_or_else(|| {
            crate::Error::invalid_argument("--config", "no home directory: pass --config")
        })?;
        return config_edit::edit(&path);
    }
    let config = source.load()?;
    let output = OutputMode::from_flag(cli.json);
    if let Some(Command::Config { action: None }) = &cli.command {
        return output::print_config(&config, output);
    }
    let themes = config.dir.join("themes");
    if !crate::tui::theme::exists(&config.config.theme, Some(&themes)) {
        return Err(crate::Error::Config {
            path: config
                .path
                .clone()
                .unwrap_or_else(|| config.dir.join("config.toml")),
            message: format!(
                "key `theme`: no theme `{}` (built in: {}; or a file {}/NAME.toml)",
                config.config.theme,
                crate::tui::theme::built_in_names().join(", "),
                themes.display()
            ),
        });
    }
    tracing::debug!(database = %crate::model::redact_url(&config.database_url), "opening");
    let opened = if cli.command.as_ref().is_some_and(Command::only_reads) {
        Services::open_existing(&config.database_url).await
    } else {
        Services::open(&config.database_url).await
    };
    let services = match opened {
        Ok(s) => s,
        // A monitoring check that cannot see the queue is UNKNOWN, not a failure.
        Err(e)
            if matches!(
                cli.command,
                Some(Command::Check(worker::CheckCommand::Queue(_)))
            ) =>
        {
            println!("UNKNOWN - cannot open the database: {e}");
            return Err(crate::Error::ExitStatus(3));
        }
        Err(e) => return Err(e),
    };
    let ctx = Context {
        config,
        services,
        output,
    };
    let result = match cli.command {
        None => console(&ctx, cli.lang.as_deref()).await,
        Some(Command::Console { lang }) => {
            console(&ctx, lang.as_deref().or(cli.lang.as_deref())).await
        }
        Some(Command::Migrate) => {
            // `Store::open` has applied every migration by now.
            if output == OutputMode::Text {
                println!("database is up to date");
            }
            Ok(())
        }
        Some(Command::Settings(cmd)) => settings::run(&ctx, cmd).await,
        Some(Command::Enqueue(args)) => enqueue::run(&ctx, args).await,
        Some(Command::Queue(cmd)) => queue::run(&ctx, cmd).await,
        Some(Command::Log(args)) => queue::log(&ctx, args).await,
        Some(Command::Config { .. } | Command::Completions { .. } | Command::Man) => Ok(()),
        Some(Command::Worker(args)) => worker::worker(&ctx, args).await,
        Some(Command::SendTest(args)) => worker::send_test(&ctx, args).await,
        Some(Command::Check(worker::CheckCommand::Smtp)) => worker::check_smtp(&ctx).await,
        Some(Command::Check(worker::CheckCommand::Queue(args))) => {
            monitor::check_queue(&ctx, args).await
        }
        Some(Command::Demo) => demo(&ctx).await,
        Some(Command::Oauth(cmd)) => oauth::run(&ctx, cmd).await,
    };
    // Closing waits for connections still out; never let that keep the process alive.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), ctx.services.close()).await;
    result
}
