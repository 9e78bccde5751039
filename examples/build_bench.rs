//! Message building against body size and recipient count: each size is built a few
//! times and the median is given with its ratio to the smallest one, so linear growth
//! reads as ratios equal to the size ratios (quadratic would read as their squares).
//!
//! cargo run --release --example build_bench

use std::time::Instant;

use dmsctl::queue::{Mail, MailStatus};
use dmsctl::sender::message::build;
use dmsctl::settings::MailServerSettings;

fn mail(body: String, to: String) -> Mail {
    Mail {
        id: 1,
        status: MailStatus::Sending,
        held: false,
        priority: 0,
        from_address: None,
        display_name: None,
        to,
        cc: String::new(),
        bcc: String::new(),
        reply_to: None,
        subject: "bench".into(),
        body_text: body,
        body_html: None,
        created_at: 0,
        next_attempt_at: 0,
        queued_at: 0,
        attempts: 1,
        last_error: None,
        claimed_by: None,
        lease_until: None,
        sent_at: None,
        message_id: None,
        smtp_reply: None,
        sent_by: None,
        damaged: Vec::new(),
    }
}

fn median_ms(m: &Mail, account: &MailServerSettings) -> f64 {
    let mut runs: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let p = build(m, &[], account).map_err(|e| e.to_string());
            assert!(p.is_ok(), "{p:?}");
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[2]
}

fn main() {
    let account = MailServerSettings {
        from_address: "dms@firma.pl".into(),
        ..MailServerSettings::default()
    };
    // LF-only text, Polish letters, lines of 60 characters.
    let line = "Zażółć gęślą jaźń – dokument do akceptacji, strona 1 z 1\n";
    println!("body (LF text)   median ms   ratio to 1 MB   size ratio");
    let mut reference = None;
    for mb in [1usize, 2, 4, 8] {
        let body = line.repeat(mb * 1024 * 1024 / line.len());
        let ms = median_ms(&mail(body, "a@firma.pl".into()), &account);
        let r = *reference.get_or_insert(ms);
        println!(
            "{mb:>4} MB          {ms:>9.1}   {:>13.2}   {mb:>10}",
            ms / r
        );
    }
    println!();
    println!("recipients       median ms   ratio to 500    count ratio");
    let mut reference = None;
    for n in [500usize, 1000, 2000, 4000] {
        let to = (0..n)
            .map(|i| format!("u{i}@firma.pl"))
            .collect::<Vec<_>>()
            .join(", ");
        let ms = median_ms(&mail("x".into(), to), &account);
        let r = *reference.get_or_insert(ms);
        println!(
            "{n:>6}           {ms:>9.1}   {:>13.2}   {:>10}",
            ms / r,
            n / 500
        );
    }
}
