//! `dmsctl config edit`: the config file in `$VISUAL`/`$EDITOR`, checked before it
//! replaces the file in use.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use crate::config::parse_config;
use crate::error::{Error, Result};

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Edit the config file in $VISUAL or $EDITOR; an invalid result is not saved.
    Edit,
}

/// What a new config file starts as: every key, commented out, with its default.
const TEMPLATE: &str = include_str!("../../packaging/config.toml");

/// The packaged file sets the package's database; a config made by hand starts with
/// every key commented out.
fn template() -> String {
    TEMPLATE.replace("\ndatabase_url = ", "\n# database_url = ")
}

pub fn edit(path: &Path) -> Result<()> {
    let path = path.to_path_buf();
    let current = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => template(),
        Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    let draft = draft_path(&path);
    std::fs::write(&draft, &current)
        .map_err(|e| Error::io(format!("cannot write {}", draft.display()), e))?;
    run_editor(&draft)?;
    let edited = std::fs::read_to_string(&draft)
        .map_err(|e| Error::io(format!("cannot read {}", draft.display()), e))?;
    if let Err(message) = parse_config(&edited) {
        return Err(Error::Config {
            path: draft.clone(),
            message: format!(
                "{message}; {} is unchanged, your edit is kept in {}",
                path.display(),
                draft.display()
            ),
        });
    }
    if edited == current && path.exists() {
        let _ = std::fs::remove_file(&draft);
        println!("{} unchanged", path.display());
        return Ok(());
    }
    std::fs::rename(&draft, &path)
        .map_err(|e| Error::io(format!("cannot replace {}", path.display()), e))?;
    println!("saved {}", path.display());
    Ok(())
}

fn draft_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".edit");
    path.with_file_name(name)
}

fn run_editor(file: &Path) -> Result<()> {
    let editor = std::env::var("VISUAL")
        .ok()
        .or_else(|| std::env::var("EDITOR").ok())
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".into());
    // Through the shell, so `EDITOR="code --wait"` works as it does for git.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(file)
        .status()
        .map_err(|e| Error::io(format!("cannot start the editor `{editor}`"), e))?;
    if !status.success() {
        return Err(Error::Unsuccessful(format!(
            "the editor `{editor}` exited with {status}; the config file is unchanged"
        )));
    }
    Ok(())
}
