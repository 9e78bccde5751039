//! Themes map semantic roles to colours. Built-in themes come from `themes/*.toml`; a
//! user theme from the config dir may name a `parent`. A bad colour falls back to the
//! parent's instead of failing. `NO_COLOR` selects `mono`.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

const BUILT_IN: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub mono: bool,
    pub base: Color,
    pub muted: Color,
    pub accent: Color,
    pub selection_fg: Color,
    pub selection_bg: Color,
    pub ok: Color,
    pub warn: Color,
    pub error: Color,
    pub title: Color,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            name: "default".into(),
            mono: false,
            base: Color::Reset,
            muted: Color::DarkGray,
            accent: Color::Cyan,
            selection_fg: Color::Black,
            selection_bg: Color::Cyan,
            ok: Color::Green,
            warn: Color::Yellow,
            error: Color::Red,
            title: Color::White,
        }
    }
}

impl Theme {
    /// The theme called `name` (built-in or `user_dir/NAME.toml`); `mono` when
    /// `NO_COLOR` is set. Problems are returned as warnings, never fatal.
    pub fn load(name: &str, user_dir: Option<&Path>, no_color: bool) -> (Theme, Vec<String>) {
        let mut warnings = Vec::new();
        let name = if no_color { "mono" } else { name };
        let theme = resolve(name, user_dir, &mut warnings, 0);
        (theme, warnings)
    }

    fn fg(&self, c: Color) -> Style {
        if self.mono {
            Style::default()
        } else {
            Style::default().fg(c)
        }
    }

    pub fn base(&self) -> Style {
        self.fg(self.base)
    }
    pub fn muted(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            self.fg(self.muted)
        }
    }
    pub fn accent(&self) -> Style {
        self.fg(self.accent).add_modifier(Modifier::BOLD)
    }
    pub fn ok(&self) -> Style {
        self.fg(self.ok)
    }
    pub fn warn(&self) -> Style {
        self.fg(self.warn).add_modifier(if self.mono {
            Modifier::BOLD
        } else {
            Modifier::empty()
        })
    }
    pub fn error(&self) -> Style {
        self.fg(self.error).add_modifier(Modifier::BOLD)
    }
    pub fn title(&self) -> Style {
        self.fg(self.title).add_modifier(Modifier::BOLD)
    }
    pub fn selection(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(self.selection_fg).bg(self.selection_bg)
        }
    }
}

fn source(name: &str, user_dir: Option<&Path>) -> Option<String> {
    if let Some(dir) = user_dir
        && let Ok(text) = std::fs::read_to_string(dir.join(format!("{name}.toml")))
    {
        return Some(text);
    }
    BUILT_IN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| t.to_string())
}

/// Whether a theme of that name exists (built in, or `user_dir/NAME.toml`).
pub fn exists(name: &str, user_dir: Option<&Path>) -> bool {
    source(name, user_dir).is_some()
}

/// The built-in theme names.
pub fn built_in_names() -> Vec<&'static str> {
    BUILT_IN.iter().map(|(n, _)| *n).collect()
}

fn resolve(name: &str, user_dir: Option<&Path>, warnings: &mut Vec<String>, depth: u8) -> Theme {
    let Some(text) = source(name, user_dir) else {
        warnings.push(format!("theme `{name}` not found; using default"));
        return Theme::default();
    };
    let table: HashMap<String, toml::Value> = match toml::from_str(&text) {
        Ok(t) => t,
        Err(e) => {
            warnings.push(format!("theme `{name}`: {}; using default", e.message()));
            return Theme::default();
        }
    };
    let parent = table.get("parent").and_then(|v| v.as_str());
    let mut theme = match parent {
        Some(p) if depth < 4 && p != name => resolve(p, user_dir, warnings, depth + 1),
        _ => Theme::default(),
    };
    theme.name = name.to_string();
    for (key, value) in &table {
        if key == "parent" {
            continue;
        }
        if key == "mono" {
            theme.mono = value.as_bool().unwrap_or(false);
            continue;
        }
        let Some(text) = value.as_str() else {
            warnings.push(format!("theme `{name}`: `{key}` must be a colour name"));
            continue;
        };
        let Ok(color) = Color::from_str(text) else {
            warnings.push(format!(
                "theme `{name}`: `{key} = \"{text}\"` is not a colour; kept the parent's"
            ));
            continue;
        };
        let slot = match key.as_str() {
            "base" => &mut theme.base,
            "muted" => &mut theme.muted,
            "accent" => &mut theme.accent,
            "selection_fg" => &mut theme.selection_fg,
            "selection_bg" => &mut theme.selection_bg,
            "ok" => &mut theme.ok,
            "warn" => &mut theme.warn,
            "error" => &mut theme.error,
            "title" => &mut theme.title,
            other => {
                warnings.push(format!("theme `{name}`: unknown role `{other}`"));
                continue;
            }
        };
        *slot = color;
    }
    theme
}

/// What the terminal can show, from `TERM` (and `NO_COLOR`, which asks for none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colours {
    /// No cursor addressing at all (`dumb`, or no `TERM`): no console.
    Unusable,
    /// Cursor addressing, bold and reverse, but no colour (`vt100`, `vt220`…).
    Mono,
    Colour,
}

impl Colours {
    pub fn of_terminal() -> Colours {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self::of(std::env::var("TERM").ok().as_deref(), no_color)
    }

    pub fn of(term: Option<&str>, no_color: bool) -> Colours {
        let term = term.unwrap_or("").trim();
        if term.is_empty() || term == "dumb" {
            Colours::Unusable
        } else if no_color || term.starts_with("vt") && !term.contains("color") {
            Colours::Mono
        } else {
            Colours::Colour
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_decides_the_colours() {
        assert_eq!(Colours::of(Some("dumb"), false), Colours::Unusable);
        assert_eq!(Colours::of(None, false), Colours::Unusable);
        assert_eq!(Colours::of(Some("vt100"), false), Colours::Mono);
        assert_eq!(Colours::of(Some("vt220"), false), Colours::Mono);
        assert_eq!(Colours::of(Some("xterm-256color"), true), Colours::Mono);
        assert_eq!(Colours::of(Some("xterm-256color"), false), Colours::Colour);
        assert_eq!(Colours::of(Some("linux"), false), Colours::Colour);
        assert_eq!(Colours::of(Some("screen"), false), Colours::Colour);
    }

    #[test]
    fn built_ins_load_and_no_color_is_mono() {
        for (name, _) in BUILT_IN {
            let (t, w) = Theme::load(name, None, false);
            assert!(w.is_empty(), "{name}: {w:?}");
            assert_eq!(t.name, name);
        }
        let (t, _) = Theme::load("light", None, true);
        assert!(t.mono);
        assert_eq!(
            t.selection(),
            Style::default().add_modifier(Modifier::REVERSED)
        );
    }

    #[test]
    fn user_theme_with_parent_and_a_bad_colour() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "parent = \"light\"\naccent = \"#ff8800\"\nerror = \"blurple\"\n",
        )
        .unwrap();
        let (t, w) = Theme::load("mine", Some(dir.path()), false);
        assert_eq!(t.accent, Color::Rgb(0xff, 0x88, 0x00));
        assert_eq!(t.error, Color::Red, "kept the parent's");
        assert_eq!(t.selection_bg, Color::Blue, "from the parent");
        assert!(w[0].contains("blurple"), "{w:?}");
        let (t, w) = Theme::load("nope", None, false);
        assert_eq!(t, Theme::default());
        assert!(w[0].contains("nope"));
    }
}
