//! A list drawn as a table with a header and one selected row: only the rows that fit
//! are built (a page may hold hundreds), and the window follows the selection.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row, Table};

use crate::i18n::Txt;
use crate::tui::app::App;

pub struct ListTable<'a> {
    pub columns: &'a [Txt],
    pub widths: &'a [Constraint],
    pub spacing: u16,
}

impl ListTable<'_> {
    /// Draws `items`, `row` building each visible one; the selected row is highlighted.
    pub fn draw<T>(
        &self,
        f: &mut Frame,
        app: &App,
        area: Rect,
        items: &[T],
        selected: usize,
        row: impl Fn(&T) -> Row<'static>,
    ) {
        let header = Row::new(self.columns.iter().map(|t| Cell::from(t.t(app.lang))))
            .style(app.theme.title());
        let (first, height) = window(selected, area.height.saturating_sub(1) as usize);
        let rows = items
            .iter()
            .enumerate()
            .skip(first)
            .take(height)
            .map(|(i, item)| {
                let r = row(item);
                if i == selected {
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
}
