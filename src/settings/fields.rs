//! Checks shared by several tabs: e-mail addresses and host names.

use std::net::IpAddr;
use std::str::FromStr;

use lettre::Address;
use lettre::message::Mailbox;

/// A bare address (`user@domain`), as the outgoing account needs.
pub fn check_addr_spec(value: &str) -> Result<(), String> {
    Address::from_str(value.trim())
        .map(|_| ())
        .map_err(|_| format!("`{value}` is not an e-mail address (user@domain)"))
}

/// An address with an optional display name (`Jan Kowalski <jan@firma.pl>`).
pub fn check_mailbox(value: &str) -> Result<(), String> {
    if value.chars().any(|c| c == '\r' || c == '\n') {
        return Err(format!("`{}` contains a line break", value.escape_debug()));
    }
    Mailbox::from_str(value.trim())
        .map(|_| ())
        .map_err(|_| format!("`{value}` is not an e-mail address"))
}

/// A DNS host name or an IP address.
pub fn check_host(value: &str) -> Result<(), String> {
    let v = value.trim();
    if IpAddr::from_str(v.trim_matches(['[', ']'])).is_ok() {
        return Ok(());
    }
    let ok = !v.is_empty()
        && v.len() <= 253
        && v.trim_end_matches('.').split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
        Ok(())
    } else {
        Err(format!("`{value}` is not a host name or IP address"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert!(check_addr_spec("dms@firma.pl").is_ok());
        assert!(check_addr_spec("Jan <dms@firma.pl>").is_err());
        assert!(check_addr_spec("dms@").is_err());
        assert!(check_mailbox("Jan Kowalski <jan@firma.pl>").is_ok());
        assert!(check_mailbox("\"Łukasz Żółć\" <l@firma.pl>").is_ok());
        assert!(check_mailbox("a@b.pl\r\nBcc: x@y.pl").is_err());
    }

    #[test]
    fn hosts() {
        for ok in [
            "smtp.wp.pl",
            "localhost",
            "127.0.0.1",
            "::1",
            "[::1]",
            "mail-1.example.com.",
        ] {
            assert!(check_host(ok).is_ok(), "{ok}");
        }
        for bad in ["", "smtp wp.pl", "-a.pl", "a..pl", "smtp.wp.pl:587"] {
            assert!(check_host(bad).is_err(), "{bad}");
        }
    }
}
