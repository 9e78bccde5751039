//! Which database engine a URL names, and the URL as messages may show it.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    pub fn of_url(url: &str) -> std::result::Result<Self, String> {
        if url.starts_with("sqlite:") {
            Ok(DatabaseKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseKind::Postgres)
        } else {
            Err(format!(
                "`{}` is not a database URL: use sqlite://PATH or postgres://USER@HOST/DB",
                redact_url(url)
            ))
        }
    }
}

/// A URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_kinds() {
        assert_eq!(
            DatabaseKind::of_url("sqlite:///tmp/x.db"),
            Ok(DatabaseKind::Sqlite)
        );
        assert_eq!(
            DatabaseKind::of_url("postgres://u@h/db"),
            Ok(DatabaseKind::Postgres)
        );
        let err = DatabaseKind::of_url("mysql://root:pw@h/db").unwrap_err();
        assert!(err.contains("***") && !err.contains("pw"), "{err}");
    }
}
