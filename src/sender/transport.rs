//! SMTP connections as the mail account describes them.
//!
//! lettre never sets TCP_NODELAY, and Nagle plus delayed ACKs stall every message by
//! tens of milliseconds; so the socket is opened here with `set_nodelay(true)` and handed
//! to `AsyncSmtpConnection::connect_with_transport`, for every encryption mode (implicit
//! TLS is done here with tokio-rustls; STARTTLS upgrades the same socket through lettre).
//! lettre's async timeout only covers connecting, so every exchange has its own.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, AsyncTokioStream, Certificate, TlsParameters,
};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::failure::{SmtpFailure, Stage};
use super::message::Prepared;
use crate::config::SenderConfig;
use crate::settings::{Encryption, MailServerSettings};

/// Where and how to connect, fixed when the settings are read.
#[derive(Clone)]
pub struct SmtpTarget {
    pub host: String,
    pub port: u16,
    pub encryption: Encryption,
    credentials: Option<Credentials>,
    /// XOAUTH2 with an access token instead of PLAIN/LOGIN with a password.
    xoauth2: bool,
    pub timeout: Duration,
    pub trust: Trust,
    hello: ClientId,
    /// Send credentials over an unencrypted connection anyway.
    allow_plaintext_auth: bool,
}

impl fmt::Debug for SmtpTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("encryption", &self.encryption)
            .field("auth", &self.credentials.is_some())
            .finish()
    }
}

/// Which certificates to believe.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    pub ca_file: Option<PathBuf>,
    pub accept_invalid_certs: bool,
}

impl SmtpTarget {
    pub fn new(account: &MailServerSettings, config: &SenderConfig) -> Self {
        let login = account.login.trim();
        SmtpTarget {
            host: account.server_name.trim().to_string(),
            port: account.port,
            encryption: account.encryption,
            credentials: (!login.is_empty()).then(|| {
                Credentials::new(login.to_string(), account.password.expose().to_string())
            }),
            xoauth2: false,
            timeout: config.smtp_timeout,
            trust: Trust {
                ca_file: config.tls_ca_file.clone(),
                accept_invalid_certs: config.tls_accept_invalid_certs,
            },
            hello: ClientId::default(),
            allow_plaintext_auth: config.allow_plaintext_auth,
        }
    }

    /// The same server, signing in with XOAUTH2 as `login` with an access token.
    /// lettre fixes credentials when a connection is built, so a refreshed token needs
    /// new connections.
    pub fn with_token(mut self, login: &str, access_token: &str) -> Self {
        self.credentials = Some(Credentials::new(
            login.to_string(),
            access_token.to_string(),
        ));
        self.xoauth2 = true;
        self
    }

    pub fn uses_xoauth2(&self) -> bool {
        self.xoauth2
    }

    /// Implicit TLS: `ssl`, or `auto` on port 465.
    pub fn implicit_tls(&self) -> bool {
        self.encryption == Encryption::Ssl
            || (self.encryption == Encryption::Auto && self.port == 465)
    }

    pub async fn connect(&self) -> Result<SmtpSession, SmtpFailure> {
        Ok(self.open(&mut ConnectReport::default()).await?.0)
    }

    /// Connects, says EHLO, secures and authenticates; `report` collects what a
    /// connection check shows.
    pub async fn open(
        &self,
        report: &mut ConnectReport,
    ) -> Result<(SmtpSession, Option<Vec<u8>>), SmtpFailure> {
        report.enter("dns");
        let addrs: Vec<SocketAddr> = self
            .limit(
                Stage::Dns,
                tokio::net::lookup_host((self.host.as_str(), self.port)),
            )
            .await?
            .map_err(|e| SmtpFailure::io(Stage::Dns, &e))?
            .collect();
        report.addresses = addrs.clone();
        report.enter("tcp");
        let tcp = self
            .limit(Stage::Connect, TcpStream::connect(&addrs[..]))
            .await?
            .map_err(|e| SmtpFailure::io(Stage::Connect, &e))?;
        tcp.set_nodelay(true)
            .map_err(|e| SmtpFailure::io(Stage::Connect, &e))?;

        let mut peer_cert = None;
        let stream: Box<dyn AsyncTokioStream> = if self.implicit_tls() {
            let tls = self.implicit_tls_stream(tcp).await?;
            peer_cert = tls
                .0
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| c.to_vec());
            Box::new(tls)
        } else {
            Box::new(tcp)
        };
        report.enter(if self.implicit_tls() { "tls" } else { "ehlo" });
        let mut conn = self
            .limit(
                Stage::Greeting,
                AsyncSmtpConnection::connect_with_transport(stream, &self.hello),
            )
            .await?
            .map_err(|e| SmtpFailure::smtp(Stage::Greeting, &e))?;
        report.capabilities = capabilities(conn.server_info());

        let wants_starttls = match self.encryption {
            Encryption::Starttls => true,
            Encryption::Auto => !self.implicit_tls() && conn.can_starttls(),
            Encryption::None | Encryption::Ssl => false,
        };
        if wants_starttls {
            if !conn.server_info().supports_feature(Extension::StartTls) {
                return Err(SmtpFailure::no_starttls());
            }
            report.enter("starttls");
            let params = self.tls_parameters()?;
            self.limit(Stage::Tls, conn.starttls(params, &self.hello))
                .await?
                .map_err(|e| SmtpFailure::smtp(Stage::Tls, &e))?;
            peer_cert = conn.peer_certificate().ok();
            report.capabilities = capabilities(conn.server_info());
        }
        report.encrypted = self.implicit_tls() || wants_starttls;
        // `auto` against a server without STARTTLS (or a STARTTLS-stripping middlebox)
        // ends up in clear text: say so, and never send a password that way unasked.
        report.fell_back_to_plain = self.encryption == Encryption::Auto && !report.encrypted;
        if self.credentials.is_some() && !report.encrypted && !self.allow_plaintext_auth {
            return Err(SmtpFailure::plaintext_auth_refused(self.encryption));
        }
        // lettre keeps no SIZE from EHLO (RFC 1870); asking again before AUTH costs one
        // round trip per connection and lets a too-large mail fail before its data.
        let max_size = self
            .limit(Stage::Greeting, conn.command(Ehlo::new(self.hello.clone())))
            .await?
            .ok()
            .and_then(|r| advertised_size(r.message()));

        if let Some(credentials) = &self.credentials {
            report.enter("auth");
            let mechanisms: &[Mechanism] = if self.xoauth2 {
                &[Mechanism::Xoauth2]
            } else {
                &[Mechanism::Plain, Mechanism::Login]
            };
            self.limit(Stage::Auth, conn.auth(mechanisms, credentials))
                .await?
                .map_err(|e| {
                    let f = SmtpFailure::smtp(Stage::Auth, &e);
                    if self.xoauth2 { f.with_oauth() } else { f }
                })?;
            report.authenticated = true;
        }
        Ok((
            SmtpSession {
                conn,
                timeout: self.timeout,
                used: false,
                max_size,
                plain_fallback: report.fell_back_to_plain,
            },
            peer_cert,
        ))
    }

    async fn limit<F: std::future::Future>(
        &self,
        stage: Stage,
        f: F,
    ) -> Result<F::Output, SmtpFailure> {
        tokio::time::timeout(self.timeout, f)
            .await
            .map_err(|_| SmtpFailure::timeout(stage, self.timeout))
    }

    fn extra_roots(&self) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, SmtpFailure> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let Some(path) = &self.trust.ca_file else {
            return Ok(Vec::new());
        };
        let certs: Result<Vec<_>, _> = CertificateDer::pem_file_iter(path)
            .map_err(|e| SmtpFailure::config(format!("tls_ca_file {}: {e}", path.display())))?
            .collect();
        let certs = certs
            .map_err(|e| SmtpFailure::config(format!("tls_ca_file {}: {e}", path.display())))?;
        if certs.is_empty() {
            return Err(SmtpFailure::config(format!(
                "tls_ca_file {} holds no PEM certificate",
                path.display()
            )));
        }
        Ok(certs)
    }

    fn tls_parameters(&self) -> Result<TlsParameters, SmtpFailure> {
        let mut b = TlsParameters::builder(self.host.clone())
            .dangerous_accept_invalid_certs(self.trust.accept_invalid_certs);
        for der in self.extra_roots()? {
            let cert = Certificate::from_der(der.to_vec())
                .map_err(|e| SmtpFailure::config(format!("tls_ca_file: {e}")))?;
            b = b.add_root_certificate(cert);
        }
        b.build_rustls()
            .map_err(|e| SmtpFailure::config(format!("TLS settings: {e}")))
    }

    async fn implicit_tls_stream(&self, tcp: TcpStream) -> Result<ImplicitTls, SmtpFailure> {
        let config = self.rustls_config()?;
        let name = rustls::pki_types::ServerName::try_from(self.host.clone())
            .map_err(|e| SmtpFailure::config(format!("server_name `{}`: {e}", self.host)))?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let stream = self
            .limit(Stage::Tls, connector.connect(name, tcp))
            .await?
            .map_err(|e| SmtpFailure::io(Stage::Tls, &e))?;
        Ok(ImplicitTls(stream))
    }

    fn rustls_config(&self) -> Result<rustls::ClientConfig, SmtpFailure> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| SmtpFailure::config(format!("TLS: {e}")))?;
        if self.trust.accept_invalid_certs {
            return Ok(builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
                .with_no_client_auth());
        }
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        for der in self.extra_roots()? {
            roots
                .add(der)
                .map_err(|e| SmtpFailure::config(format!("tls_ca_file: {e}")))?;
        }
        Ok(builder.with_root_certificates(roots).with_no_client_auth())
    }
}

/// What a connection check learns on the way.
#[derive(Debug, Default, Clone)]
pub struct ConnectReport {
    pub addresses: Vec<SocketAddr>,
    pub capabilities: String,
    pub encrypted: bool,
    /// `auto` found no STARTTLS and talks in clear text.
    pub fell_back_to_plain: bool,
    pub authenticated: bool,
    /// Told each step's name as it starts (the console shows the check as it runs).
    pub progress: Option<tokio::sync::mpsc::UnboundedSender<&'static str>>,
}

impl ConnectReport {
    fn enter(&self, step: &'static str) {
        if let Some(p) = &self.progress {
            let _ = p.send(step);
        }
    }
}

/// An open, authenticated SMTP connection.
pub struct SmtpSession {
    conn: AsyncSmtpConnection,
    timeout: Duration,
    /// A transaction was started on it: a failure of its first command may be a
    /// connection the server closed while it sat open, not a problem of the mail.
    used: bool,
    /// The largest message the server takes (EHLO SIZE), when it says.
    max_size: Option<u64>,
    /// `auto` found no STARTTLS: this connection is in clear text.
    plain_fallback: bool,
}

/// The limit of an EHLO `SIZE n` line (0 or none: no limit stated).
fn advertised_size<'a>(lines: impl Iterator<Item = &'a str>) -> Option<u64> {
    lines
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            match (words.next(), words.next()) {
                (Some(k), Some(n)) if k.eq_ignore_ascii_case("SIZE") => n.parse::<u64>().ok(),
                _ => None,
            }
        })
        .find(|n| *n > 0)
}

/// The server took the mail for at least one recipient.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The reply to the message data, e.g. `250 2.0.0 Ok: queued as 4F2`.
    pub reply: String,
    /// Recipients refused for good (5xx); the others got the mail.
    pub rejected: Vec<SmtpFailure>,
}

impl SmtpSession {
    async fn exchange<C: fmt::Display>(
        &mut self,
        stage: Stage,
        command: C,
    ) -> Result<lettre::transport::smtp::response::Response, SmtpFailure> {
        tokio::time::timeout(self.timeout, self.conn.command(command))
            .await
            .map_err(|_| SmtpFailure::timeout(stage, self.timeout))?
            .map_err(|e| SmtpFailure::smtp(stage, &e))
    }

    /// One SMTP transaction. Recipients are offered one by one: a recipient refused
    /// for good does not cost the others their mail (it is reported in `rejected`);
    /// a recipient refused for now (4xx) defers the whole mail, so nobody gets it twice.
    ///
    /// `still_ours` is asked right before the message data goes out; when it says no
    /// (the mail's lease ran out), the transaction is reset and nothing is sent.
    pub async fn deliver(
        &mut self,
        p: &Prepared,
        still_ours: &(dyn Fn() -> bool + Sync),
    ) -> Result<Delivery, SmtpFailure> {
        self.used = true;
        if let Some(max) = self.max_size
            && p.bytes.len() as u64 > max
        {
            return Err(SmtpFailure::permanent(
                Stage::Message,
                format!(
                    "the message is {} bytes; the server accepts at most {max} (EHLO SIZE)",
                    p.bytes.len()
                ),
            ));
        }
        let mut params = Vec::new();
        if !p.bytes.is_ascii()
            && self
                .conn
                .server_info()
                .supports_feature(Extension::EightBitMime)
        {
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let non_ascii = p
            .recipients
            .iter()
            .chain([&p.from])
            .any(|a| !a.to_string().is_ascii());
        if non_ascii {
            if !self
                .conn
                .server_info()
                .supports_feature(Extension::SmtpUtfEight)
            {
                return Err(SmtpFailure::permanent(
                    Stage::Mail,
                    "an address is not ASCII and the server does not support SMTPUTF8",
                ));
            }
            params.push(MailParameter::SmtpUtfEight);
        }
        self.exchange(Stage::Mail, Mail::new(Some(p.from.clone()), params))
            .await?;

        let mut accepted = 0;
        let mut rejected = Vec::new();
        let mut deferred = Vec::new();
        for r in &p.recipients {
            match self
                .exchange(Stage::Rcpt, Rcpt::new(r.clone(), vec![]))
                .await
            {
                Ok(_) => accepted += 1,
                Err(f) if f.is_reply() && f.permanent => rejected.push(f.for_recipient(r)),
                Err(f) if f.is_reply() && !f.closes_connection() => {
                    deferred.push(f.for_recipient(r))
                }
                Err(f) => return Err(f),
            }
        }
        if let Some(first) = deferred.into_iter().next() {
            self.reset().await;
            return Err(first);
        }
        if accepted == 0 {
            self.reset().await;
            return Err(SmtpFailure::all_rejected(rejected));
        }
        if !still_ours() {
            self.reset().await;
            return Err(SmtpFailure::lease_lost());
        }
        self.exchange(Stage::Data, Data).await?;
        let reply = tokio::time::timeout(self.timeout, self.conn.message(&p.bytes))
            .await
            .map_err(|_| SmtpFailure::timeout(Stage::Data, self.timeout))?
            .map_err(|e| SmtpFailure::smtp(Stage::Data, &e))?;
        Ok(Delivery {
            reply: format!(
                "{} {}",
                reply.code(),
                reply.message().collect::<Vec<_>>().join(" ")
            ),
            rejected,
        })
    }

    async fn reset(&mut self) {
        let _ = self.exchange(Stage::Mail, Rset).await;
    }

    /// Kept open from an earlier transaction.
    pub fn was_used(&self) -> bool {
        self.used
    }

    /// `auto` fell back to clear text on this connection.
    pub fn is_plain_fallback(&self) -> bool {
        self.plain_fallback
    }

    pub fn is_broken(&self) -> bool {
        self.conn.has_broken()
    }

    pub async fn quit(mut self) {
        let _ = tokio::time::timeout(self.timeout, self.conn.quit()).await;
    }
}

/// An implicit-TLS stream that lettre treats as its transport.
struct ImplicitTls(tokio_rustls::client::TlsStream<TcpStream>);

impl fmt::Debug for ImplicitTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ImplicitTls")
    }
}

impl AsyncRead for ImplicitTls {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for ImplicitTls {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for ImplicitTls {
    fn peer_addr(&self) -> std::io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

/// `tls_accept_invalid_certs = true`: believe any certificate (reported as insecure).
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// What the server says it is and offers, as the SMTP keywords name it
/// (`mx.firma.pl: 8BITMIME SMTPUTF8 STARTTLS AUTH PLAIN LOGIN`).
fn capabilities(info: &lettre::transport::smtp::extension::ServerInfo) -> String {
    use lettre::transport::smtp::authentication::Mechanism;
    let mut offered: Vec<&str> = [
        (Extension::EightBitMime, "8BITMIME"),
        (Extension::SmtpUtfEight, "SMTPUTF8"),
        (Extension::StartTls, "STARTTLS"),
    ]
    .into_iter()
    .filter(|(e, _)| info.supports_feature(*e))
    .map(|(_, name)| name)
    .collect();
    let auth: Vec<&str> = [
        (Mechanism::Plain, "PLAIN"),
        (Mechanism::Login, "LOGIN"),
        (Mechanism::Xoauth2, "XOAUTH2"),
    ]
    .into_iter()
    .filter(|(m, _)| info.supports_auth_mechanism(*m))
    .map(|(_, name)| name)
    .collect();
    if !auth.is_empty() {
        offered.push("AUTH");
        offered.extend(auth);
    }
    if offered.is_empty() {
        info.name().to_string()
    } else {
        format!("{}: {}", info.name(), offered.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::advertised_size;

    #[test]
    fn ehlo_size_is_read() {
        let lines = ["mx.example.com", "PIPELINING", "SIZE 10240000", "8BITMIME"];
        assert_eq!(advertised_size(lines.into_iter()), Some(10_240_000));
        assert_eq!(advertised_size(["SIZE 0"].into_iter()), None);
        assert_eq!(advertised_size(["SIZE"].into_iter()), None);
        assert_eq!(advertised_size(["8BITMIME"].into_iter()), None);
    }
}
