//! SQL for the DMS's operators (filled by the DMS; read by the File storage pane).

use super::{Store, dispatch, dispatch_read};
use crate::error::Result;
use crate::model::Operator;

type OperatorRow = (String, String);

fn operator((login, name): OperatorRow) -> Operator {
    Operator { login, name }
}

impl Store {
    /// Every operator, alphabetically by name (then login).
    pub async fn operators(&self) -> Result<Vec<Operator>> {
        dispatch_read!(self, pool => {
            let rows: Vec<OperatorRow> = sqlx::query_as(
                "SELECT login, name FROM operators ORDER BY lower(name), lower(login), login",
            )
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(operator).collect())
        })
    }

    /// Adds operators that are not there yet (by login); returns how many were added.
    pub async fn add_operators(&self, operators: &[Operator]) -> Result<u64> {
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut added = 0;
            for o in operators {
                added += sqlx::query(
                    "INSERT INTO operators (login, name) VALUES ($1, $2) ON CONFLICT (login) DO NOTHING",
                )
                .bind(&o.login)
                .bind(&o.name)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            tx.commit().await?;
            Ok(added)
        })
    }
}
