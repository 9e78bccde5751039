//! Typing into one line of text (the queue search), and completing a file path. What
//! a key does to text is the text's business, not a binding of the key table.

use crossterm::event::KeyEvent;
use ratatui_textarea::{CursorMove, TextArea};

use crate::tui::keys::{self, LineEdit, TextEdit, line_edit};

/// One line of text edited as in a shell: the cursor moves (←→, Home/End, Ctrl-A/E,
/// Alt-B/F), Ctrl-K and Ctrl-U cut to the end and the start, Ctrl-W a word, Ctrl-Z
/// undoes; the same editing as the forms' fields.
#[derive(Debug, Clone)]
pub struct LineInput {
    area: TextArea<'static>,
}

impl LineInput {
    pub fn new(text: &str) -> Self {
        let mut area = TextArea::new(vec![text.to_string()]);
        area.set_cursor_line_style(ratatui::style::Style::default());
        area.move_cursor(CursorMove::End);
        LineInput { area }
    }

    pub fn text(&self) -> String {
        self.area.lines().concat()
    }

    /// A key for the line; true when the text changed.
    pub fn key(&mut self, k: KeyEvent) -> bool {
        if keys::leaves_field(&k, false) {
            return false;
        }
        let before = self.text();
        text_key(&mut self.area, k);
        self.text() != before
    }

    /// Pasted text, on one line.
    pub fn paste(&mut self, text: &str) -> bool {
        let one_line: String = text.chars().filter(|c| !c.is_control()).collect();
        self.area.insert_str(one_line)
    }

    pub fn widget(&self) -> &TextArea<'static> {
        &self.area
    }
}

/// A key for a text being typed, as shells edit a line: Ctrl-U cuts to the start of
/// the line (the text area's own Ctrl-U would undo), Ctrl-Z undoes. True when the text
/// changed.
pub fn text_key(area: &mut TextArea<'static>, k: KeyEvent) -> bool {
    match keys::text_edit(&k) {
        Some(TextEdit::CutToStart) => area.delete_line_by_head(),
        Some(TextEdit::Undo) => area.undo(),
        None => area.input(k),
    }
}

/// Applies a key to a line being typed: a character is added, Backspace removes one.
/// Returns whether the text changed.
pub fn edit_line(text: &mut String, k: &KeyEvent) -> bool {
    match line_edit(k) {
        Some(LineEdit::DeleteBack) => text.pop().is_some(),
        Some(LineEdit::Insert(c)) => {
            text.push(c);
            true
        }
        None => false,
    }
}

/// The longest unambiguous completion of a file path.
pub fn complete(partial: &str) -> Option<String> {
    let path = std::path::Path::new(partial);
    let (dir, prefix) = if partial.ends_with('/') {
        (path.to_path_buf(), String::new())
    } else {
        (
            path.parent().map(|p| {
                if p.as_os_str().is_empty() {
                    std::path::PathBuf::from(".")
                } else {
                    p.to_path_buf()
                }
            })?,
            path.file_name()?.to_string_lossy().into_owned(),
        )
    };
    let mut names: Vec<(String, bool)> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.path().is_dir(),
            )
        })
        .filter(|(n, _)| n.starts_with(&prefix) && !n.starts_with('.'))
        .collect();
    names.sort();
    let first = names.first()?.clone();
    let mut common = first.0.clone();
    for (n, _) in &names[1..] {
        while !n.starts_with(&common) {
            common.pop();
        }
    }
    let base = if partial.ends_with('/') {
        partial.to_string()
    } else {
        let parent = &partial[..partial.len() - prefix.len()];
        parent.to_string()
    };
    let mut out = format!("{base}{common}");
    if names.len() == 1 && first.1 {
        out.push('/');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    #[test]
    fn path_completion() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("faktura_2026.pdf"), "x").unwrap();
        std::fs::write(dir.path().join("faktura_2025.pdf"), "x").unwrap();
        std::fs::create_dir(dir.path().join("raporty")).unwrap();
        let base = dir.path().display().to_string();
        assert_eq!(
            complete(&format!("{base}/fak")).unwrap(),
            format!("{base}/faktura_202")
        );
        assert_eq!(
            complete(&format!("{base}/r")).unwrap(),
            format!("{base}/raporty/")
        );
        assert_eq!(complete(&format!("{base}/zzz")), None);
    }

    #[test]
    fn ctrl_u_cuts_to_the_start_and_ctrl_z_undoes() {
        let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        let mut line = LineInput::new("jan kowalski");
        for _ in 0..8 {
            line.key(KeyEvent::new(KeyCode::Left, KeyModifiers::NONE));
        }
        assert!(line.key(ctrl('u')));
        assert_eq!(line.text(), "kowalski");
        assert!(line.key(ctrl('z')));
        assert_eq!(line.text(), "jan kowalski");
        line.key(ctrl('e'));
        assert!(line.key(ctrl('w')));
        assert_eq!(line.text(), "jan ");
    }

    #[test]
    fn a_line_takes_characters_and_backspace_but_not_control_keys() {
        let mut t = String::from("ab");
        assert!(edit_line(
            &mut t,
            &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE)
        ));
        assert!(edit_line(
            &mut t,
            &KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)
        ));
        assert!(!edit_line(
            &mut t,
            &KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)
        ));
        assert_eq!(t, "ab");
    }
}
