//! An operator of the DMS (a user who can be chosen, e.g. for File storage).

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Operator {
    pub login: String,
    pub name: String,
}
