//! Who was behind each event: the event's own user, else the user the identity kind says held
//! the event's address at that moment (a logon, a user list, an authenticated proxy request),
//! else nobody; and the device that held the address (a DHCP lease). Both come from as-of joins
//! by address: the last binding at or before the event, within a tolerance.

use polars::prelude::*;

/// How long a user binding without an end is trusted (a proxy logon, a user-list row).
pub const USER_TOLERANCE: &str = "12h";
/// How long a lease binding without an end is trusted.
pub const DEVICE_TOLERANCE: &str = "1d";

/// Adds `person` and `device_name` (String) to `events`, whose address column is `ip_col` and
/// whose own user column (if any) is `user_col`. `identity` holds bindings with `ts`, `event`
/// (`bind`/`unbind`), `ip`, `user` and `device`; unbind rows end a binding. Row order is kept.
pub fn attribute(
    events: DataFrame,
    ip_col: &str,
    user_col: Option<&str>,
    identity: Option<&DataFrame>,
) -> PolarsResult<DataFrame> {
    let height = events.height();
    let own_user = match user_col {
        Some(c) if events.column(c).is_ok() => col(c).cast(DataType::String),
        _ => lit(NULL).cast(DataType::String),
    };
    let Some(identity) = identity.filter(|i| i.height() > 0) else {
        return events
            .lazy()
            .with_columns([
                own_user.alias("person"),
                lit(NULL).cast(DataType::String).alias("device_name"),
            ])
            .collect();
    };
    // The left side: row number, time and address only, sorted by time.
    let keys = events
        .clone()
        .lazy()
        .select([col("ts"), col(ip_col).cast(DataType::String).alias("ip")])
        .with_row_index("row", None)
        .sort(["ts"], SortMultipleOptions::default());
    let bindings = identity
        .clone()
        .lazy()
        .select([
            col("ts").alias("bound"),
            col("event").cast(DataType::String).alias("event"),
            col("ip").cast(DataType::String).alias("ip"),
            col("user").cast(DataType::String).alias("user"),
            col("device").cast(DataType::String).alias("device"),
        ])
        .filter(col("ip").is_not_null());
    let unbind = col("event").eq(lit("unbind"));
    // User bindings: rows naming a user, and unbind rows that end them.
    let users = bindings
        .clone()
        .filter(col("user").is_not_null().or(unbind.clone()))
        .select([
            col("bound"),
            col("ip"),
            when(unbind.clone())
                .then(lit(NULL).cast(DataType::String))
                .otherwise(col("user"))
                .alias("bound_user"),
        ])
        .sort(["bound"], SortMultipleOptions::default());
    let devices = bindings
        .filter(col("device").is_not_null().or(unbind.clone()))
        .select([
            col("bound"),
            col("ip"),
            when(unbind)
                .then(lit(NULL).cast(DataType::String))
                .otherwise(col("device"))
                .alias("bound_device"),
        ])
        .sort(["bound"], SortMultipleOptions::default());
    let asof = |tolerance: &str| {
        JoinArgs::new(JoinType::AsOf(Box::new(AsOfOptions {
            strategy: AsofStrategy::Backward,
            tolerance_str: Some(tolerance.into()),
            left_by: Some(vec!["ip".into()]),
            right_by: Some(vec!["ip".into()]),
            allow_eq: true,
            ..Default::default()
        })))
    };
    let joined = keys
        .join(users, [col("ts")], [col("bound")], asof(USER_TOLERANCE))
        .select([col("row"), col("ts"), col("ip"), col("bound_user")])
        .join(devices, [col("ts")], [col("bound")], asof(DEVICE_TOLERANCE))
        .select([col("row"), col("bound_user"), col("bound_device")])
        .sort(["row"], SortMultipleOptions::default())
        .collect()?;
    if joined.height() != height {
        polars_bail!(ComputeError: "attribution lost rows ({} of {height})", joined.height());
    }
    let bound_user = joined.column("bound_user")?.clone();
    let bound_device = joined.column("bound_device")?.clone().with_name("device_name".into());
    let mut df = events;
    df.with_column(bound_user)?;
    df.with_column(bound_device)?;
    df.lazy()
        .with_columns([own_user.fill_null(col("bound_user")).alias("person")])
        .drop(by_name(["bound_user"], true, false))
        .collect()
}

/// The share of rows of a frame with a `person`, per source index: `(source, attributed, rows)`.
pub fn attributed_share(df: &DataFrame) -> PolarsResult<Vec<(u32, u64, u64)>> {
    let out = df
        .clone()
        .lazy()
        .group_by([col("source")])
        .agg([
            col("person")
                .is_not_null()
                .cast(DataType::UInt64)
                .sum()
                .alias("attributed"),
            len().cast(DataType::UInt64).alias("rows"),
        ])
        .sort(["source"], SortMultipleOptions::default())
        .collect()?;
    let s = out.column("source")?.u32()?.clone();
    let a = out.column("attributed")?.u64()?.clone();
    let r = out.column("rows")?.u64()?.clone();
    Ok((0..out.height())
        .map(|i| (s.get(i).unwrap_or(0), a.get(i).unwrap_or(0), r.get(i).unwrap_or(0)))
        .collect())
}
