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

/// What the terminal can show, from `TERM` and `COLORTERM` (and `NO_COLOR`, which asks
/// for none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colours {
    /// No cursor addressing at all (`dumb`, or no `TERM`): no console.
    Unusable,
    /// Cursor addressing, bold and reverse, but no colour (`vt100`, `vt220`…).
    Mono,
    /// The 16 ANSI colours (`linux`, `xterm`, `screen`).
    Ansi16,
    /// The 256-colour palette (`*-256color`).
    Indexed256,
    /// 24-bit colour (`COLORTERM=truecolor` or `24bit`).
    TrueColour,
}

impl Colours {
    pub fn of_terminal() -> Colours {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self::of_env(
            std::env::var("TERM").ok().as_deref(),
            std::env::var("COLORTERM").ok().as_deref(),
            no_color,
        )
    }

    pub fn of(term: Option<&str>, no_color: bool) -> Colours {
        Self::of_env(term, None, no_color)
    }

    pub fn of_env(term: Option<&str>, colorterm: Option<&str>, no_color: bool) -> Colours {
        let term = term.unwrap_or("").trim();
        if term.is_empty() || term == "dumb" {
            Colours::Unusable
        } else if no_color || term.starts_with("vt") && !term.contains("color") {
            Colours::Mono
        } else if matches!(colorterm.map(str::trim), Some("truecolor" | "24bit"))
            || term.ends_with("-direct")
        {
            Colours::TrueColour
        } else if term.contains("256color") {
            Colours::Indexed256
        } else {
            Colours::Ansi16
        }
    }

    pub fn has_colour(self) -> bool {
        matches!(
            self,
            Colours::Ansi16 | Colours::Indexed256 | Colours::TrueColour
        )
    }
}

impl Theme {
    /// The theme in colours this terminal has: a `#rrggbb` (or a palette index) it
    /// cannot show becomes the nearest it can, instead of an escape it ignores or
    /// garbles.
    pub fn for_terminal(mut self, colours: Colours) -> Theme {
        for c in [
            &mut self.base,
            &mut self.muted,
            &mut self.accent,
            &mut self.selection_fg,
            &mut self.selection_bg,
            &mut self.ok,
            &mut self.warn,
            &mut self.error,
            &mut self.title,
        ] {
            *c = downgrade(*c, colours);
        }
        self
    }
}

/// The 16 ANSI colours as xterm draws them.
const ANSI: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

/// The levels of the 256-colour palette's 6×6×6 cube.
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn rgb_of_index(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI[usize::from(i)].1,
        16..=231 => {
            let n = i - 16;
            (
                CUBE[usize::from(n / 36)],
                CUBE[usize::from(n / 6 % 6)],
                CUBE[usize::from(n % 6)],
            )
        }
        _ => {
            let g = 8 + 10 * (i - 232);
            (g, g, g)
        }
    }
}

fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs();
    d(a.0, b.0).pow(2) + d(a.1, b.1).pow(2) + d(a.2, b.2).pow(2)
}

fn nearest_index(rgb: (u8, u8, u8)) -> u8 {
    (16..=255u8)
        .min_by_key(|i| distance(rgb_of_index(*i), rgb))
        .unwrap_or(16)
}

fn nearest_ansi(rgb: (u8, u8, u8)) -> Color {
    ANSI.iter()
        .min_by_key(|(_, c)| distance(*c, rgb))
        .map_or(Color::Reset, |(c, _)| *c)
}

fn downgrade(c: Color, colours: Colours) -> Color {
    match (c, colours) {
        (Color::Rgb(r, g, b), Colours::Indexed256) => Color::Indexed(nearest_index((r, g, b))),
        (Color::Rgb(r, g, b), Colours::Ansi16) => nearest_ansi((r, g, b)),
        (Color::Indexed(i), Colours::Ansi16) => nearest_ansi(rgb_of_index(i)),
        _ => c,
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
        assert_eq!(
            Colours::of(Some("xterm-256color"), false),
            Colours::Indexed256
        );
        assert_eq!(Colours::of(Some("linux"), false), Colours::Ansi16);
        assert_eq!(Colours::of(Some("screen"), false), Colours::Ansi16);
        assert_eq!(
            Colours::of_env(Some("xterm-256color"), Some("truecolor"), false),
            Colours::TrueColour
        );
    }

    #[test]
    fn rgb_colours_become_the_nearest_the_terminal_has() {
        let t = Theme {
            accent: Color::Rgb(0xff, 0x88, 0x00),
            muted: Color::Indexed(244),
            ..Theme::default()
        };
        let true_colour = t.clone().for_terminal(Colours::TrueColour);
        assert_eq!(true_colour, t);
        let t256 = t.clone().for_terminal(Colours::Indexed256);
        // #ff8700 is the cube's (5, 2, 0): 16 + 5*36 + 2*6.
        assert_eq!(t256.accent, Color::Indexed(208));
        assert_eq!(t256.muted, Color::Indexed(244));
        let t16 = t.for_terminal(Colours::Ansi16);
        assert_eq!(t16.accent, Color::Yellow);
        assert_eq!(t16.muted, Color::DarkGray);
        assert_eq!(t16.error, Color::Red, "named colours stay");
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
