//! Scrolling a text taller than its area (a mail's details, the help, a work-log entry):
//! the same keys everywhere, and never past the end.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::tui::keys::Action;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    /// The first line shown.
    pub offset: u16,
}

impl Scroll {
    /// Moves for a scrolling key; `max` is how far the text can scroll (its height less
    /// the area's), `page` the area's height. False for a key that is not scrolling.
    pub fn act(&mut self, a: Action, max: u16, page: u16) -> bool {
        let page = page.saturating_sub(1).max(1);
        self.offset = match a {
            Action::Up => self.offset.saturating_sub(1),
            Action::Down => self.offset.saturating_add(1),
            Action::PageUp => self.offset.saturating_sub(page),
            Action::PageDown => self.offset.saturating_add(page),
            Action::Top => 0,
            Action::Bottom => max,
            _ => return false,
        }
        .min(max);
        true
    }

    /// The offset to draw at: within the text however the area changed since.
    pub fn at(&self, max: u16) -> u16 {
        self.offset.min(max)
    }
}

/// How many rows these lines take wrapped at `width`.
pub fn wrapped_height(lines: &[Line<'_>], width: u16) -> u16 {
    let rows = Paragraph::new(lines.to_vec())
        .wrap(Wrap { trim: false })
        .line_count(width.max(1));
    u16::try_from(rows).unwrap_or(u16::MAX)
}

/// How far lines wrapped at `width` scroll in an area `height` rows tall.
pub fn max_offset(lines: &[Line<'_>], width: u16, height: u16) -> u16 {
    wrapped_height(lines, width).saturating_sub(height)
}

/// Draws lines wrapped under a rule titled `label`; the title says which rows are in
/// view (and the keys) when they do not all fit.
pub fn draw(
    f: &mut Frame,
    area: Rect,
    lines: Vec<Line<'static>>,
    scroll: Scroll,
    label: &str,
    style: Style,
) {
    let inner_height = area.height.saturating_sub(1);
    let max = max_offset(&lines, area.width, inner_height);
    let at = scroll.at(max);
    let mut title = label.to_string();
    if max > 0 {
        let total = wrapped_height(&lines, area.width);
        title.push_str(&format!(
            " {}-{}/{total} (↑↓ PgUp/PgDn g/G) ",
            at + 1,
            (at + inner_height).min(total)
        ));
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((at, 0))
            .block(
                Block::default()
                    .borders(Borders::TOP)
                    .title(Span::styled(title, style)),
            ),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrolls_within_the_text_only() {
        let lines: Vec<Line> = (0..30).map(|i| Line::from(format!("line {i}"))).collect();
        let max = max_offset(&lines, 40, 10);
        assert_eq!(max, 20);
        let mut s = Scroll::default();
        assert!(s.act(Action::Up, max, 10));
        assert_eq!(s.offset, 0, "not above the top");
        s.act(Action::PageDown, max, 10);
        assert_eq!(s.offset, 9);
        s.act(Action::Bottom, max, 10);
        assert_eq!(s.offset, 20);
        s.act(Action::Down, max, 10);
        assert_eq!(s.offset, 20, "not past the end");
        assert!(!s.act(Action::Retry, max, 10));
        // A long line wraps into several rows.
        let long = vec![Line::from("x".repeat(100))];
        assert_eq!(wrapped_height(&long, 40), 3);
    }
}
