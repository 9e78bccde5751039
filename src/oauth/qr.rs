//! The sign-in address as a QR code made of text, two rows of modules per line, so a
//! phone can open it from the terminal.

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;

/// Lines of the code (light modules on a dark terminal read fine either way round;
/// the quiet zone is kept so scanners find the edges). None if the text cannot be
/// encoded.
pub fn lines(text: &str) -> Option<Vec<String>> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let rendered = code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build();
    Some(rendered.lines().map(str::to_string).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_fits_a_terminal() {
        let l = lines("https://microsoft.com/devicelogin").unwrap();
        // Version 2 (25 modules) + quiet zone (8) = 33 columns, 17 lines.
        assert!(l.len() <= 20, "{}", l.len());
        assert!(l.iter().all(|x| x.chars().count() == l[0].chars().count()));
        assert!(
            l.iter()
                .any(|x| x.contains('█') || x.contains('▀') || x.contains('▄'))
        );
    }
}
