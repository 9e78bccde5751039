//! A list drawn as a table with a header and one selected row: only the rows that fit
//! are built (a page may hold hundreds), and the window follows the selection.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table};

use crate::i18n::Txt;
use crate::tui::app::App;

pub struct ListTable<'a> {
    pub columns: &'a [Txt],
    pub widths: &'a [Constraint],
    pub spacing: u16,
}

/// One cell: its text and its style (the selected row is drawn in the selection's
/// colours whatever its cells' styles, so a coloured status stays readable on it).
pub type ListCell = (String, Style);

impl ListTable<'_> {
    /// Draws `items`, `row` building each visible one's cells; the selected row is
    /// highlighted, and a text wider than its column ends in `…`.
    pub fn draw<T>(
        &self,
        f: &mut Frame,
        app: &App,
        area: Rect,
        items: &[T],
        selected: usize,
        row: impl Fn(&T) -> Vec<ListCell>,
    ) {
        let header = Row::new(self.columns.iter().map(|t| Cell::from(t.t(app.lang))))
            .style(app.theme.title());
        let widths: Vec<u16> = Layout::horizontal(self.widths.to_vec())
            .spacing(self.spacing)
            .split(Rect::new(0, 0, area.width, 1))
            .iter()
            .map(|r| r.width)
            .collect();
        let (first, height) = window(selected, area.height.saturating_sub(1) as usize);
        let rows = items
            .iter()
            .enumerate()
            .skip(first)
            .take(height)
            .map(|(i, item)| {
                let chosen = i == selected;
                let cells = row(item).into_iter().enumerate().map(|(c, (text, style))| {
                    let text = fit(&text, widths.get(c).copied().unwrap_or(u16::MAX));
                    Cell::from(text).style(if chosen { Style::default() } else { style })
                });
                let r = Row::new(cells);
                if chosen {
                    r.style(app.theme.selection())
                } else {
                    r
                }
            });
        f.render_widget(
            Table::new(rows, self.widths.to_vec())
                .header(header)
                .column_spacing(self.spacing),
            area,
        );
    }
}

/// A line of spans cut to `width` columns: what does not fit ends in `…`, never cut
/// off unmarked.
pub fn fit_spans(spans: Vec<Span<'static>>, width: u16) -> Vec<Span<'static>> {
    let mut left = usize::from(width);
    let mut fitted = Vec::with_capacity(spans.len());
    for span in spans {
        let w = span.width();
        if w <= left {
            left -= w;
            fitted.push(span);
            continue;
        }
        if left > 0 {
            fitted.push(Span::styled(fit(&span.content, left as u16), span.style));
        }
        break;
    }
    fitted
}

/// The text, cut to `width` columns with `…` when it is wider.
pub fn fit(text: &str, width: u16) -> String {
    let width = usize::from(width);
    if Span::raw(text).width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = Span::raw(c.to_string()).width();
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// The first row shown and how many fit, so that the selected row is on screen.
fn window(selected: usize, height: usize) -> (usize, usize) {
    (selected.saturating_sub(height.saturating_sub(1)), height)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_follows_the_selection() {
        assert_eq!(window(0, 10), (0, 10));
        assert_eq!(window(9, 10), (0, 10));
        assert_eq!(window(10, 10), (1, 10));
        assert_eq!(window(250, 20), (231, 20));
        assert_eq!(window(3, 0), (3, 0));
    }

    #[test]
    fn a_text_too_wide_ends_in_an_ellipsis() {
        assert_eq!(fit("jan@firma.pl", 20), "jan@firma.pl");
        assert_eq!(fit("jan.kowalski@firma.pl", 12), "jan.kowalsk…");
        assert_eq!(fit("Zażółć gęślą", 6), "Zażół…");
        assert_eq!(fit("abc", 0), "");
    }
}
