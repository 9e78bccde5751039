//! The console: one `App`, messages in, commands out, a pure `draw`.

pub mod app;
pub mod executor;
pub mod keys;
pub mod modal;
pub mod msg;
pub mod panes;
pub mod term;
pub mod theme;
pub mod view;
pub mod why;
pub mod widgets;

use std::time::Duration;

use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::sync::watch;

use app::App;
use executor::Executor;
use msg::Msg;
use theme::Theme;

use crate::config::LoadedConfig;
use crate::error::{Error, Result};
use crate::i18n::clock::Clock;
use crate::i18n::{Lang, messages};
use crate::sender::{Sender, SenderOptions};
use crate::services::Services;
use crate::settings::Settings;
use crate::time::now_ms;

pub struct ConsoleOptions {
    pub lang: Lang,
    pub actor: crate::settings::Actor,
}

/// Opens the console on the real terminal and runs it until the user quits, or
/// SIGTERM / SIGHUP arrives.
pub async fn run(
    services: Services,
    settings: Settings,
    config: &LoadedConfig,
    options: ConsoleOptions,
) -> Result<()> {
    // NO_COLOR, or a terminal without colours (vt100…): the mono theme.
    let colours = theme::Colours::of_terminal();
    let theme_dir = config.dir.join("themes");
    let (theme, warnings) = Theme::load(
        &config.config.theme,
        Some(&theme_dir),
        !colours.has_colour(),
    );
    let theme = theme.for_terminal(colours);
    for w in warnings {
        tracing::warn!("{w}");
    }

    let (tx, rx) = unbounded_channel();
    let inputs = spawn_inputs(&services, tx.clone()).await?;

    // A single-host set-up sends from the console when no other sender is alive.
    let (stop_sender, stopped) = watch::channel(false);
    let mut embedded = None;
    if config.embedded_sender() && !services.senders().any_alive().await? {
        embedded = Some(tokio::spawn(run_embedded_sender(
            services.clone(),
            settings.clone(),
            config.config.clone(),
            options.lang,
            stopped,
            tx.clone(),
        )));
    }

    // The console's own sender is shown from its registry row, like every other.
    let mut app = App::new(options.lang, theme, now_ms())
        .with_config(panes::PaneConfig::from(&config.config))
        .with_clock(Clock::system(), i64::from(std::process::id()));
    let executor = Executor::new(
        services,
        settings,
        config.config.sender.clone(),
        options.actor,
        tx,
    )
    .with_oauth(&config.config.oauth)
    .with_lang(options.lang);
    let mut terminal = term::enter(!colours.has_colour())?;
    let result = run_app(&mut terminal, &mut app, rx, &executor).await;
    term::leave();
    // The feed holds a database connection (LISTEN on PostgreSQL): stop it and the
    // other readers so the store can close.
    for task in inputs {
        task.abort();
    }
    let _ = stop_sender.send(true);
    if let Some(task) = embedded {
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }
    result
}

/// The console's own sender. It never stops silently: after an error it says so in the
/// header and the work log, and starts again after a pause.
async fn run_embedded_sender(
    services: Services,
    settings: Settings,
    config: crate::config::Config,
    lang: Lang,
    mut stopped: watch::Receiver<bool>,
    tx: UnboundedSender<Msg>,
) {
    let mut restarts = 0u32;
    loop {
        let sender = Sender::new(
            services.clone(),
            settings.clone(),
            &config,
            SenderOptions {
                id: format!(
                    "{}{}",
                    crate::sender::CONSOLE_SENDER_PREFIX,
                    SenderOptions::default_id()
                ),
                concurrency: config.sender.concurrency as usize,
                once: false,
            },
        );
        let result = sender.yielding(true).run(stopped.clone()).await;
        if *stopped.borrow() {
            return;
        }
        restarts += 1;
        let why = match result {
            Ok(_) => "stopped".to_string(),
            Err(e) => e.to_string(),
        };
        tracing::error!(error = %why, "the console's sender stopped; restarting");
        let _ = services
            .work_log()
            .append(
                &crate::model::NewLogEntry::new(
                    crate::model::Level::Error,
                    format!("the console's sender stopped ({why}); it starts again in 5 s"),
                )
                .source("sender"),
            )
            .await;
        let _ = tx.send(Msg::EmbeddedSender(messages::embedded_sender_restarting(
            restarts, &why, lang,
        )));
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = stopped.changed() => return,
        }
        let _ = tx.send(Msg::EmbeddedSender(messages::embedded_sender_restarted(
            restarts, lang,
        )));
    }
}

/// The loop, generic over the backend so tests can drive the real app headless.
pub async fn run_app<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut rx: UnboundedReceiver<Msg>,
    executor: &Executor,
) -> Result<()>
where
    B::Error: std::fmt::Display,
{
    if let Ok(size) = terminal.size() {
        app.update(Msg::Resize(size.width, size.height));
    }
    executor.run(app.start());
    loop {
        terminal
            .draw(|f| view::draw(f, app))
            .map_err(|e| Error::Internal(format!("cannot draw: {e}")))?;
        let Some(first) = rx.recv().await else { break };
        // Apply everything that is waiting, then draw once: only the latest frame.
        let mut commands = app.update(first);
        while let Ok(msg) = rx.try_recv() {
            commands.extend(app.update(msg));
        }
        executor.run(dedup(commands));
        if app.quit {
            break;
        }
    }
    Ok(())
}

/// A burst of changes asks for the same loads many times; once is enough.
fn dedup(commands: Vec<msg::Command>) -> Vec<msg::Command> {
    let mut out: Vec<msg::Command> = Vec::new();
    for c in commands {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

async fn spawn_inputs(
    services: &Services,
    tx: UnboundedSender<Msg>,
) -> Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut tasks = Vec::new();
    // Keys, paste and resizes.
    let keys = tx.clone();
    tasks.push(tokio::spawn(async move {
        let mut events = crossterm::event::EventStream::new();
        while let Some(Ok(ev)) = events.next().await {
            let msg = match ev {
                crossterm::event::Event::Key(k) => Msg::Key(k),
                crossterm::event::Event::Paste(p) => Msg::Paste(p),
                crossterm::event::Event::Resize(w, h) => Msg::Resize(w, h),
                _ => continue,
            };
            if keys.send(msg).is_err() {
                break;
            }
        }
    }));
    // Changes by any process.
    let mut feed = services.change_feed(Duration::from_millis(200)).await?;
    let changes = tx.clone();
    tasks.push(tokio::spawn(async move {
        loop {
            match feed.changed().await {
                Ok(()) => {
                    if changes.send(Msg::Changed).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "change feed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }));
    // The clock.
    let ticks = tx.clone();
    tasks.push(tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            every.tick().await;
            if ticks.send(Msg::Tick(now_ms())).is_err() {
                break;
            }
        }
    }));
    // SSH dropped (SIGHUP) or a service stop (SIGTERM): leave cleanly.
    tasks.push(tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        if let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            tokio::select! {
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
            let _ = tx.send(Msg::Terminate);
        }
    }));
    Ok(tasks)
}
