//! `dmsctl settings ...`

use std::io::Read;
use std::path::PathBuf;

use clap::Subcommand;
use serde::Serialize;
use serde_json::Value;

use super::Context;
use super::output::{OutputMode, print_json};
use crate::error::{Error, Result};
use crate::settings::{Actor, FieldError, Settings, Tab, Versioned};
use crate::time::format_rfc3339;

#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Show one tab or all (secrets masked).
    Show {
        /// mail_server, templates, api_auth, erp, domain, tools, api_systems or storage.
        tab: Option<String>,
    },
    /// Change fields: `dmsctl settings set mail_server port=465 encryption=ssl`.
    /// `FIELD=-` reads the value from standard input (for secrets). List elements are
    /// named by index or id: `companies[0].nip=...`.
    Set {
        tab: String,
        #[arg(value_name = "FIELD=VALUE", required = true)]
        assignments: Vec<String>,
    },
    /// Add an element to a list and print its id:
    /// `dmsctl settings add erp companies company_name=Firma abbreviation=FIR`
    /// (lists: erp companies, api_systems systems). `FIELD=-` reads from standard input.
    Add {
        tab: String,
        list: String,
        #[arg(value_name = "FIELD=VALUE")]
        assignments: Vec<String>,
    },
    /// Remove list elements by id (or index): `dmsctl settings remove api_systems systems ID`.
    Remove {
        tab: String,
        list: String,
        #[arg(value_name = "ID", required = true)]
        ids: Vec<String>,
    },
    /// Every tab as TOML on standard output.
    Export {
        /// Include passwords, tokens and keys in plain text.
        #[arg(long)]
        with_secrets: bool,
    },
    /// Replace tabs from a TOML file (all tabs in it are checked first; any error
    /// changes nothing). Secret fields missing from the file keep their stored values.
    Import { file: PathBuf },
}

impl SettingsCommand {
    pub fn only_reads(&self) -> bool {
        matches!(
            self,
            SettingsCommand::Show { .. } | SettingsCommand::Export { .. }
        )
    }
}

pub async fn run(ctx: &Context, cmd: SettingsCommand) -> Result<()> {
    let settings = ctx.settings();
    match cmd {
        SettingsCommand::Show { tab } => show(ctx, &settings, tab.as_deref()).await,
        SettingsCommand::Set { tab, assignments } => {
            let tab = parse_tab(&tab)?;
            warn_secrets_in_arguments(tab, &assignments);
            let pairs = parse_assignments(&assignments)?;
            let version = settings.set_fields(tab, &pairs, &Actor::from_env()).await?;
            report_saved(ctx.output, &[(tab, version)]);
            let stored = settings.load_json(tab).await?;
            print_warnings(&Settings::warnings(tab, &stored.value));
            Ok(())
        }
        SettingsCommand::Add {
            tab,
            list,
            assignments,
        } => {
            let tab = parse_tab(&tab)?;
            warn_secrets_in_arguments(tab, &assignments);
            let pairs = parse_assignments(&assignments)?;
            let (id, version) = settings
                .add_item(tab, &list, &pairs, &Actor::from_env())
                .await?;
            match ctx.output {
                OutputMode::Json => print_json(
                    &serde_json::json!({"tab": tab.key(), "id": id, "version": version}),
                )?,
                OutputMode::Text => println!("{id}"),
            }
            let stored = settings.load_json(tab).await?;
            print_warnings(&Settings::warnings(tab, &stored.value));
            Ok(())
        }
        SettingsCommand::Remove { tab, list, ids } => {
            let tab = parse_tab(&tab)?;
            let version = settings
                .remove_items(tab, &list, &ids, &Actor::from_env())
                .await?;
            report_saved(ctx.output, &[(tab, version)]);
            Ok(())
        }
        SettingsCommand::Export { with_secrets } => {
            print!("{}", settings.export_toml(with_secrets).await?);
            Ok(())
        }
        SettingsCommand::Import { file } => {
            // Every tab together is a few hundred kilobytes; a larger file is a mistake.
            let bytes = crate::queue::read_file_at_most(
                &file,
                16 * 1024 * 1024,
                "FILE",
                "the most a settings file holds",
            )?;
            let text = String::from_utf8(bytes).map_err(|e| {
                Error::invalid_argument("FILE", format!("{} is not UTF-8 ({e})", file.display()))
            })?;
            let tabs = settings.import_toml(&text, &Actor::from_env()).await?;
            let mut saved = Vec::new();
            for tab in tabs {
                saved.push((tab, settings.load_json(tab).await?.version));
            }
            report_saved(ctx.output, &saved);
            Ok(())
        }
    }
}

fn parse_tab(text: &str) -> Result<Tab> {
    text.parse()
        .map_err(|m: String| Error::invalid_argument("TAB", m))
}

/// A secret typed on the command line stays in the shell history and is visible to
/// every local user in the process list: point to `FIELD=-`.
fn warn_secrets_in_arguments(tab: Tab, args: &[String]) {
    for a in args {
        let Some((field, value)) = a.split_once('=') else {
            continue;
        };
        let last = field.rsplit(['.', ']']).next().unwrap_or(field).trim();
        let secret = tab
            .secret_fields()
            .iter()
            .any(|p| p.rsplit('/').next() == Some(last));
        if secret && value != "-" {
            eprintln!(
                "warning: {field} was given on the command line, where the shell history and other users can see it; use {field}=- to read it from standard input"
            );
        }
    }
}

fn parse_assignments(args: &[String]) -> Result<Vec<(String, String)>> {
    let mut stdin_used = false;
    args.iter()
        .map(|a| {
            let (field, value) = a
                .split_once('=')
                .ok_or_else(|| Error::invalid_argument(a.clone(), "expected FIELD=VALUE"))?;
            let value = if value == "-" {
                if stdin_used {
                    return Err(Error::invalid_argument(
                        field,
                        "only one field can be read from standard input",
                    ));
                }
                stdin_used = true;
                read_stdin_value(field)?
            } else {
                value.to_string()
            };
            Ok((field.trim().to_string(), value))
        })
        .collect()
}

fn read_stdin_value(field: &str) -> Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Error::invalid_argument(field, format!("cannot read standard input: {e}")))?;
    let trimmed = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    Ok(trimmed.to_string())
}

#[derive(Serialize)]
struct TabView {
    tab: &'static str,
    version: i64,
    updated_at: Option<String>,
    updated_by: Option<String>,
    data: Value,
    warnings: Vec<FieldError>,
}

fn view(tab: Tab, v: Versioned<Value>, warnings: Vec<FieldError>) -> TabView {
    TabView {
        tab: tab.key(),
        version: v.version,
        updated_at: v.updated_at.map(format_rfc3339),
        updated_by: v.updated_by,
        data: v.value,
        warnings,
    }
}

async fn show(ctx: &Context, settings: &Settings, tab: Option<&str>) -> Result<()> {
    let tabs = match tab {
        Some(t) => vec![parse_tab(t)?],
        None => Tab::ALL.to_vec(),
    };
    let mut views = Vec::new();
    for tab in tabs {
        let warnings = Settings::warnings(tab, &settings.load_json(tab).await?.value);
        views.push(view(tab, settings.show_json(tab).await?, warnings));
    }
    match ctx.output {
        OutputMode::Json if views.len() == 1 => print_json(&views[0]),
        OutputMode::Json => print_json(&views),
        OutputMode::Text => {
            for v in views {
                let state = match (&v.updated_at, &v.updated_by) {
                    (Some(at), Some(by)) => format!("version {}, saved {at} by {by}", v.version),
                    _ => "never saved: defaults".into(),
                };
                println!("# {} ({state})", v.tab);
                let mut table = toml::Table::new();
                table.insert(
                    v.tab.to_string(),
                    toml::Value::try_from(&v.data)
                        .map_err(|e| Error::Internal(format!("cannot write TOML: {e}")))?,
                );
                print!("{}", toml::to_string_pretty(&table).unwrap_or_default());
                print_warnings(&v.warnings);
                println!();
            }
            Ok(())
        }
    }
}

fn report_saved(mode: OutputMode, saved: &[(Tab, i64)]) {
    match mode {
        OutputMode::Json => {
            let list: Vec<Value> = saved
                .iter()
                .map(|(t, v)| serde_json::json!({"tab": t.key(), "version": v}))
                .collect();
            let _ = print_json(&list);
        }
        OutputMode::Text => {
            for (tab, version) in saved {
                println!("Settings saved: {tab} (version {version})");
            }
        }
    }
}

fn print_warnings(warnings: &[FieldError]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}
