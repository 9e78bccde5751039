//! Printing: JSON for scripts, aligned text for people.

use serde::Serialize;

use crate::config::LoadedConfig;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputMode {
    Text,
    Json,
}

impl OutputMode {
    pub fn from_flag(json: bool) -> Self {
        if json {
            OutputMode::Json
        } else {
            OutputMode::Text
        }
    }
}

pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Internal(format!("cannot encode JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// Columns padded to their widest cell; the last column is not padded.
pub struct TextTable {
    rows: Vec<Vec<String>>,
}

impl TextTable {
    pub fn new(header: &[&str]) -> Self {
        TextTable {
            rows: vec![header.iter().map(|s| s.to_string()).collect()],
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let cols = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..cols)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for r in &self.rows {
            let line: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    if i + 1 == r.len() {
                        cell.clone()
                    } else {
                        format!("{cell:<w$}", w = widths[i])
                    }
                })
                .collect();
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
        }
        out
    }
}

/// Cuts text to `max` characters, marking the cut.
pub fn clip(text: &str, max: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut s: String = one_line.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

#[derive(Serialize)]
struct ConfigView<'a> {
    path: Option<String>,
    key_file: String,
    database_url: String,
    embedded_sender: bool,
    config: &'a crate::config::Config,
}

pub fn print_config(c: &LoadedConfig, mode: OutputMode) -> Result<()> {
    let view = ConfigView {
        path: c.path.as_ref().map(|p| p.display().to_string()),
        key_file: c.key_file().display().to_string(),
        database_url: crate::model::redact_url(&c.database_url),
        embedded_sender: c.embedded_sender(),
        config: &c.config,
    };
    match mode {
        OutputMode::Json => print_json(&view),
        OutputMode::Text => {
            println!(
                "# config file: {}",
                view.path.as_deref().unwrap_or("(none; defaults)")
            );
            println!("# secret key file: {}", view.key_file);
            println!("# database: {}", view.database_url);
            let mut cfg = c.config.clone();
            cfg.database_url = view.database_url.clone();
            let text = toml::to_string_pretty(&cfg)
                .map_err(|e| Error::Internal(format!("cannot write TOML: {e}")))?;
            print!("{text}");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_and_clip_marks() {
        let mut t = TextTable::new(&["ID", "SUBJECT"]);
        t.row(vec!["1".into(), "Faktura".into()]);
        t.row(vec!["1000".into(), "x".into()]);
        assert_eq!(t.render(), "ID    SUBJECT\n1     Faktura\n1000  x\n");
        assert_eq!(clip("zażółć gęślą", 6), "zażół…");
        assert_eq!(clip("a\nb", 5), "a b");
    }
}
