//! A PostgreSQL database of a benchmark's own beside the server's admin database, and
//! its removal afterwards.

use sqlx::Connection;

/// Creates `dmsctl_bench_<pid>_<label>`; its URL and its name.
pub async fn create(admin: &str, label: &str) -> (String, String) {
    let name = format!("dmsctl_bench_{}_{label}", std::process::id());
    let mut c = sqlx::PgConnection::connect(admin)
        .await
        .expect("PostgreSQL (--postgres URL)");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut c)
        .await
        .expect("create database");
    let mut url = url::Url::parse(admin).expect("url");
    url.set_path(&format!("/{name}"));
    (url.to_string(), name)
}

pub async fn drop(admin: &str, name: &str) {
    if let Ok(mut c) = sqlx::PgConnection::connect(admin).await {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut c)
        .await
        .ok();
    }
}
