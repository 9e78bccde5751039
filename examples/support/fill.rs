//! Fills a queue with mails for the benchmarks.
// Each benchmark uses the fills it needs.
#![allow(dead_code)]

use sqlx::Connection;

/// `rows` mails: 90 % sent, 5 % pending, 3 % failed, 2 % cancelled, one a second.
/// Straight in SQL: going through claim/record for 900,000 archived mails would time
/// the fill, not what the benchmark is about.
pub async fn million(url: &str, rows: i64) {
    let opts: sqlx::sqlite::SqliteConnectOptions = url.parse().expect("sqlite url");
    let mut c = sqlx::SqliteConnection::connect_with(&opts)
        .await
        .expect("connect");
    sqlx::query(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < $1)
         INSERT INTO process_mails (status, to_addrs, subject, body_text, created_at, next_attempt_at, queued_at, sent_at, attempts, last_error)
         SELECT CASE WHEN x % 100 < 90 THEN 'sent' WHEN x % 100 < 95 THEN 'pending'
                     WHEN x % 100 < 98 THEN 'failed' ELSE 'cancelled' END,
                'user' || x || '@domain' || (x % 50) || '.pl', 'Dokument ' || x, printf('%.500c', 'x'),
                1700000000000 + x * 1000, 1700000000000 + x * 1000, 1700000000000 + x * 1000,
                CASE WHEN x % 100 < 90 THEN 1700000000000 + x * 1000 + 500 END, 1 + x % 7,
                CASE WHEN x % 100 >= 95 AND x % 100 < 98 THEN
                    'RCPT TO user' || x || '@domain' || (x % 50) || '.pl: 550 5.1.1 User unknown'
                     WHEN x % 100 >= 90 AND x % 100 < 92 THEN 'MAIL: 451 4.7.1 Try again later' END
         FROM n",
    )
    .bind(rows)
    .execute(&mut c)
    .await
    .expect("fill");
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut c)
        .await
        .ok();
    sqlx::query("ANALYZE").execute(&mut c).await.ok();
}

/// The same mix in PostgreSQL.
pub async fn million_postgres(url: &str, rows: i64) {
    let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
    sqlx::query(
        "INSERT INTO process_mails (status, to_addrs, subject, body_text, created_at, next_attempt_at, queued_at, sent_at, attempts, last_error)
         SELECT CASE WHEN x % 100 < 90 THEN 'sent' WHEN x % 100 < 95 THEN 'pending'
                     WHEN x % 100 < 98 THEN 'failed' ELSE 'cancelled' END,
                'user' || x || '@domain' || (x % 50) || '.pl', 'Dokument ' || x, repeat('x', 500),
                1700000000000 + x * 1000, 1700000000000 + x * 1000, 1700000000000 + x * 1000,
                CASE WHEN x % 100 < 90 THEN 1700000000000 + x * 1000 + 500 END, 1 + x % 7,
                CASE WHEN x % 100 >= 95 AND x % 100 < 98 THEN
                    'RCPT TO user' || x || '@domain' || (x % 50) || '.pl: 550 5.1.1 User unknown'
                     WHEN x % 100 >= 90 AND x % 100 < 92 THEN 'MAIL: 451 4.7.1 Try again later' END
         FROM generate_series(1, $1) x",
    )
    .bind(rows)
    .execute(&mut c)
    .await
    .expect("fill");
    sqlx::query("VACUUM ANALYZE process_mails")
        .execute(&mut c)
        .await
        .ok();
}

/// `n` pending mails to fifty domains, in SQLite or PostgreSQL.
pub async fn pending(url: &str, n: i64) {
    let sql = "INSERT INTO process_mails (status, to_addrs, subject, body_text, created_at, next_attempt_at, queued_at)
         SELECT 'pending', 'user' || x || '@domain' || (x % 50) || '.pl', 'Dokument ' || x, 'treść',
                1700000000000 + x, 1700000000000 + x, 1700000000000 + x";
    if url.starts_with("sqlite:") {
        let opts: sqlx::sqlite::SqliteConnectOptions = url.parse().expect("url");
        let mut c = sqlx::SqliteConnection::connect_with(&opts)
            .await
            .expect("connect");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < $1) {sql} FROM n"
        )))
        .bind(n)
        .execute(&mut c)
        .await
        .expect("fill");
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{sql} FROM generate_series(1, $1) x"
        )))
        .bind(n)
        .execute(&mut c)
        .await
        .expect("fill");
        sqlx::query("VACUUM ANALYZE process_mails")
            .execute(&mut c)
            .await
            .ok();
    }
}
