//! JSON built by the database, the same on SQLite and PostgreSQL: what a report uses to
//! read one row per person or per group instead of one per record. Every row sqlx reads
//! from SQLite crosses from its worker thread on its own, so on SQLite a row costs
//! microseconds however small it is; aggregating in SQL keeps the rows few.

use sea_orm::{
    DbBackend,
    sea_query::{Expr, ExprTrait, Func},
};

/// A JSON array of `items` (one value per row).
pub fn array(backend: DbBackend, items: impl IntoIterator<Item = Expr>) -> Expr {
    match backend {
        DbBackend::Postgres => Func::cust("json_build_array").args(items).into(),
        _ => Func::cust("json_array").args(items).into(),
    }
}

/// A JSON column's value as JSON (SQLite keeps JSON as text, which would otherwise be
/// embedded as a string).
pub fn value(backend: DbBackend, column: Expr) -> Expr {
    match backend {
        DbBackend::Postgres => column,
        _ => Func::cust("json").arg(column).into(),
    }
}

/// The aggregate of `item` over a group's rows as a JSON array, read back as text: `[]`
/// for no rows on either database.
pub fn array_of_rows(backend: DbBackend, item: Expr) -> Expr {
    match backend {
        DbBackend::Postgres => {
            Expr::from(Func::coalesce([Expr::from(Func::cust("json_agg").arg(item)).cast_as("text"), Expr::val("[]")]))
        }
        _ => Func::cust("json_group_array").arg(item).into(),
    }
}
