//! One error type for the library. Each variant says whether it is the caller's fault
//! (bad input: exit code 2, nothing changed) or the system's (exit code 1).

use std::path::PathBuf;

use crate::model::FieldError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command-line argument or value given by the user is wrong.
    #[error("{argument}: {message}")]
    InvalidArgument { argument: String, message: String },

    /// A settings document failed validation; every bad field is named.
    #[error("{}", format_field_errors(.0))]
    Invalid(Vec<FieldError>),

    /// The deployment config file has an unknown key or a bad value.
    #[error("config file {}: {message}", .path.display())]
    Config { path: PathBuf, message: String },

    /// Someone else saved the tab after it was read.
    #[error(
        "settings tab {tab} was changed by someone else (stored version {stored}, yours {expected}); reload and apply your change again"
    )]
    Conflict {
        tab: &'static str,
        expected: i64,
        stored: i64,
    },

    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },

    /// An operation that is not allowed in the object's current state.
    #[error("{0}")]
    State(String),

    /// A failure that is not the user's: a stored document that no longer decodes, an
    /// encoder or the terminal that refuses (exit code 1).
    #[error("{0}")]
    Internal(String),

    /// A queue action refused for a mail in the wrong state; nothing was changed.
    #[error(
        "mail {id} is {status}; {} applies only to {} mails",
        .action.verb(),
        .action.applicable_statuses()
    )]
    ActionRefused {
        id: i64,
        status: String,
        action: crate::model::MailAction,
    },

    /// Releasing a mail that is not held: nothing to release, nothing was changed.
    #[error("mail {id} is not held; release applies only to held mails; nothing was changed")]
    NotHeld { id: i64 },

    /// The operation ran and its answer is no (a failed check, an undelivered mail).
    #[error("{0}")]
    Unsuccessful(String),

    #[error("secret store: {0}")]
    Secret(String),

    /// Microsoft 365 sign-in, or a token refresh, did not work.
    #[error("{0}")]
    SignIn(crate::model::SignInFailure),

    #[error("database: {0}")]
    Database(#[from] sqlx::Error),

    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    /// The command has said what it had to on standard output; the process ends with
    /// this status (`check queue`: 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
    #[error("exit status {0}")]
    ExitStatus(u8),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn invalid_argument(argument: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            argument: argument.into(),
            message: message.into(),
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// True when the user can fix the error by changing what they typed.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Error::InvalidArgument { .. }
                | Error::Invalid(_)
                | Error::Config { .. }
                | Error::NotFound { .. }
                | Error::State(_)
                | Error::ActionRefused { .. }
                | Error::NotHeld { .. }
        )
    }
}

fn format_field_errors(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}
