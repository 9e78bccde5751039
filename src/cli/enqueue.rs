//! `dmsctl enqueue ...`

use std::path::{Path, PathBuf};

use clap::Args;

use super::Context;
use super::output::{OutputMode, print_json};
use crate::error::{Error, Result};
use crate::queue::{NewAttachment, NewMail};

#[derive(Debug, Args)]
pub struct EnqueueArgs {
    /// Recipient (repeat for several).
    #[arg(long, required = true, value_name = "ADDR")]
    pub to: Vec<String>,
    #[arg(long, value_name = "ADDR")]
    pub cc: Vec<String>,
    #[arg(long, value_name = "ADDR")]
    pub bcc: Vec<String>,
    #[arg(long)]
    pub subject: String,
    /// Plain-text body.
    #[arg(
        long,
        conflicts_with = "body_file",
        required_unless_present = "body_file"
    )]
    pub body: Option<String>,
    /// Read the plain-text body from a file.
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    /// HTML alternative of the body.
    #[arg(long, value_name = "FILE")]
    pub html_file: Option<PathBuf>,
    /// Attach a file (repeat for several).
    #[arg(long, value_name = "FILE")]
    pub attach: Vec<PathBuf>,
    /// Sender address; default: the mail account's outgoing address.
    #[arg(long, value_name = "ADDR")]
    pub from: Option<String>,
    #[arg(long, value_name = "ADDR")]
    pub reply_to: Option<String>,
    /// Higher is sent first.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub priority: i32,
}

pub async fn run(ctx: &Context, args: EnqueueArgs) -> Result<()> {
    let mail = build(args)?;
    let id = ctx.queue().enqueue(mail).await.map_err(name_cli_fields)?;
    match ctx.output {
        OutputMode::Json => print_json(&serde_json::json!({ "id": id })),
        OutputMode::Text => {
            println!("{id}");
            Ok(())
        }
    }
}

fn build(args: EnqueueArgs) -> Result<NewMail> {
    let body_text = match (&args.body, &args.body_file) {
        (Some(b), _) => b.clone(),
        (None, Some(f)) => read_text(f, "--body-file")?,
        (None, None) => String::new(),
    };
    let body_html = args
        .html_file
        .as_deref()
        .map(|f| read_text(f, "--html-file"))
        .transpose()?;
    let attachments = args
        .attach
        .iter()
        .map(|p| read_attachment(p))
        .collect::<Result<Vec<_>>>()?;
    Ok(NewMail {
        from_address: args.from,
        to: args.to,
        cc: args.cc,
        bcc: args.bcc,
        reply_to: args.reply_to,
        subject: args.subject,
        body_text,
        body_html,
        priority: args.priority,
        attachments,
        ..NewMail::default()
    })
}

fn read_text(path: &Path, arg: &str) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| Error::invalid_argument(arg, format!("cannot read {}: {e}", path.display())))
}

pub fn read_attachment(path: &Path) -> Result<NewAttachment> {
    crate::queue::attachment_from_file(path).map_err(|e| match e {
        Error::InvalidArgument { message, .. } => Error::invalid_argument("--attach", message),
        other => other,
    })
}

/// The library names fields (`to`); the command line calls them `--to`.
fn name_cli_fields(e: Error) -> Error {
    match e {
        Error::Invalid(errors) => Error::Invalid(
            errors
                .into_iter()
                .map(|mut f| {
                    f.field = format!("--{}", f.field.replace('_', "-"));
                    f
                })
                .collect(),
        ),
        other => other,
    }
}
