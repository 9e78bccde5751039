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
    #[arg(long, required_unless_present = "template")]
    pub subject: Option<String>,
    /// Plain-text body.
    #[arg(long, conflicts_with = "body_file", required_unless_present_any = ["body_file", "template"])]
    pub body: Option<String>,
    /// Render an e-mail template instead: received_each, received_digest, overdue,
    /// reminder, observer_each or observer_digest.
    #[arg(long, value_name = "KEY", conflicts_with_all = ["subject", "body", "body_file", "html_file"])]
    pub template: Option<String>,
    /// A mask value for the template, e.g. `--var WorkflowName=Faktury`.
    #[arg(long = "var", value_name = "NAME=VALUE", requires = "template")]
    pub vars: Vec<String>,
    /// A document the mail is about: `ID[,Mask=Value...]`, e.g.
    /// `--doc 1042,DocumentNumber=FV/17/2026`; repeat for a digest.
    #[arg(long = "doc", value_name = "ID[,MASK=VALUE...]", requires = "template")]
    pub docs: Vec<String>,
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

pub async fn run(ctx: &Context, mut args: EnqueueArgs) -> Result<()> {
    if let Some(key) = args.template.clone() {
        let rendered = render_template(ctx, &key, &args.vars, &args.docs).await?;
        args.subject = Some(rendered.subject);
        args.body = Some(rendered.body);
    }
    let mail = build(args, ctx.config.config.sender.max_message_size)?;
    let id = ctx.queue().enqueue(mail).await.map_err(name_cli_fields)?;
    match ctx.output {
        OutputMode::Json => print_json(&serde_json::json!({ "id": id })),
        OutputMode::Text => {
            println!("{id}");
            Ok(())
        }
    }
}

fn build(args: EnqueueArgs, limit: u64) -> Result<NewMail> {
    let body_text = match (&args.body, &args.body_file) {
        (Some(b), _) => b.clone(),
        (None, Some(f)) => read_text(f, "--body-file", limit)?,
        (None, None) => String::new(),
    };
    let body_html = args
        .html_file
        .as_deref()
        .map(|f| read_text(f, "--html-file", limit))
        .transpose()?;
    let attachments = args
        .attach
        .iter()
        .map(|p| read_attachment(p, limit))
        .collect::<Result<Vec<_>>>()?;
    Ok(NewMail {
        from_address: args.from,
        to: args.to,
        cc: args.cc,
        bcc: args.bcc,
        reply_to: args.reply_to,
        subject: args.subject.unwrap_or_default(),
        body_text,
        body_html,
        priority: args.priority,
        attachments,
        ..NewMail::default()
    })
}

fn read_text(path: &Path, arg: &str, limit: u64) -> Result<String> {
    let bytes = crate::queue::read_file_at_most(path, limit, arg, crate::queue::MAIL_SIZE_LIMIT)?;
    String::from_utf8(bytes).map_err(|e| {
        Error::invalid_argument(arg, format!("{} is not UTF-8 text ({e})", path.display()))
    })
}

pub fn read_attachment(path: &Path, limit: u64) -> Result<NewAttachment> {
    crate::queue::attachment_from_file(path, limit).map_err(|e| match e {
        Error::InvalidArgument { message, .. } => Error::invalid_argument("--attach", message),
        other => other,
    })
}

async fn render_template(
    ctx: &Context,
    key: &str,
    vars: &[String],
    docs: &[String],
) -> Result<crate::settings::render::Rendered> {
    use std::collections::BTreeMap;

    use crate::settings::render::{Document, render};
    use crate::settings::{TemplateKey, TemplatesSettings};
    let template_key = TemplateKey::from_key(key).ok_or_else(|| {
        Error::invalid_argument(
            "--template",
            format!(
                "`{key}` is not a template (received_each, received_digest, overdue, reminder, observer_each, observer_digest)"
            ),
        )
    })?;
    let pair = |arg: &str, text: &str| -> Result<(String, String)> {
        text.split_once('=')
            .map(|(k, v)| (k.trim().to_string(), v.to_string()))
            .ok_or_else(|| Error::invalid_argument(arg, format!("`{text}` is not NAME=VALUE")))
    };
    let values: BTreeMap<String, String> = vars
        .iter()
        .map(|v| {
            let (k, val) = pair("--var", v)?;
            if val.contains(['\r', '\n']) {
                return Err(Error::invalid_argument(
                    "--var",
                    format!("the value of {k} has a line break; mask values are one line"),
                ));
            }
            Ok((k, val))
        })
        .collect::<Result<_>>()?;
    let documents = docs
        .iter()
        .map(|d| {
            let mut parts = d.split(',');
            let id = parts.next().unwrap_or_default().trim().to_string();
            if id.is_empty() {
                return Err(Error::invalid_argument(
                    "--doc",
                    "starts with the document id",
                ));
            }
            let values = parts.map(|p| pair("--doc", p)).collect::<Result<_>>()?;
            Ok(Document { id, values })
        })
        .collect::<Result<Vec<_>>>()?;
    let templates = ctx.settings().load::<TemplatesSettings>().await?.value;
    render(
        template_key,
        templates.get(template_key),
        &templates.url_prefix,
        &values,
        &documents,
    )
    .map_err(|errors| {
        Error::Invalid(
            errors
                .into_iter()
                .map(|e| e.within(&format!("--template {key}")))
                .collect(),
        )
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
