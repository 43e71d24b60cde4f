//! Who was behind each event: the event's own user, else the user the identity kind says held
//! the event's address at that moment (a logon, a user list, an authenticated proxy request),
//! else nobody; and the device that held the address (a DHCP lease). Both come from as-of joins
//! by address: the last binding at or before the event, within a tolerance.
//!
//! The joins run on dictionary ids, not strings: the identity frame's addresses are cast into the
//! events' own address dictionary, and its users into the events' user dictionary, so that
//! `person` comes out as a categorical column sharing the events' user ids, and `device_name`
//! as a categorical column of its own; no string is built per event.

use polars::prelude::*;

/// How long a user binding without an end is trusted (a proxy logon, a user-list row).
pub const USER_TOLERANCE: &str = "12h";
/// How long a lease binding without an end is trusted.
pub const DEVICE_TOLERANCE: &str = "1d";

/// A categorical dtype of its own, for a column built here.
fn fresh_categorical() -> DataType {
    let categories = Categories::random(PlSmallStr::from_static("vigil"), CategoricalPhysical::U32);
    let mapping = categories.mapping();
    DataType::Categorical(categories, mapping)
}

/// Adds `person` and `device_name` (categorical) to `events`, whose address column is `ip_col`
/// and whose own user column (if any) is `user_col`. `identity` holds bindings with `ts`,
/// `event` (`bind`/`unbind`), `ip`, `user` and `device`; unbind rows end a binding. Row order is
/// kept.
pub fn attribute(
    events: DataFrame,
    ip_col: &str,
    user_col: Option<&str>,
    identity: Option<&DataFrame>,
) -> PolarsResult<DataFrame> {
    let height = events.height();
    // The person's dtype: the events' own user dictionary when there is one.
    let user_dtype = match user_col.and_then(|c| events.column(c).ok()).map(|c| c.dtype().clone()) {
        Some(dt @ DataType::Categorical(..)) => dt,
        _ => fresh_categorical(),
    };
    let own_user = match user_col {
        Some(c) if events.column(c).is_ok() => col(c).cast(user_dtype.clone()),
        _ => lit(NULL).cast(user_dtype.clone()),
    };
    let device_dtype = fresh_categorical();
    let Some(identity) = identity.filter(|i| i.height() > 0) else {
        return events
            .lazy()
            .with_columns([
                own_user.alias("person"),
                lit(NULL).cast(device_dtype).alias("device_name"),
            ])
            .collect();
    };
    // Addresses as ids of the events' address dictionary (strings when it has none).
    let ip_dtype = match events.column(ip_col)?.dtype() {
        dt @ DataType::Categorical(..) => dt.clone(),
        _ => DataType::String,
    };
    let ip_key = |e: Expr| match &ip_dtype {
        DataType::Categorical(..) => e.cast(ip_dtype.clone()).to_physical(),
        _ => e.cast(DataType::String),
    };
    let ts: Vec<i64> = events
        .column("ts")?
        .to_physical_repr()
        .i64()?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect();
    let sorted = ts.windows(2).all(|w| w[0] <= w[1]);
    let mut keys = events
        .select([PlSmallStr::from("ts"), PlSmallStr::from(ip_col)])?
        .lazy();
    if !sorted {
        // Logs are nearly in time order (Squid writes a request when it ends): a stable sort of
        // row numbers by time is close to linear on such runs, far cheaper than sorting the frame.
        let mut order: Vec<IdxSize> = (0..height as IdxSize).collect();
        order.sort_by_key(|&i| ts[i as usize]);
        let order = IdxCa::from_vec("row".into(), order);
        let taken = events
            .select([PlSmallStr::from("ts"), PlSmallStr::from(ip_col)])?
            .take(&order)?;
        keys = taken.lazy().with_column(lit(Series::from(order)).alias("row"));
    } else {
        keys = keys.with_row_index("row", None);
    }
    let keys = keys.select([col("row"), col("ts"), ip_key(col(ip_col)).alias("ip")]);
    let bindings = identity
        .clone()
        .lazy()
        .select([
            col("ts").alias("bound"),
            col("event").cast(DataType::String).alias("event"),
            ip_key(col("ip").cast(DataType::String)).alias("ip"),
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
                .cast(user_dtype.clone())
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
                .cast(device_dtype)
                .alias("device_name"),
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
        .select([col("row"), col("bound_user"), col("device_name")])
        .collect()?;
    if joined.height() != height {
        polars_bail!(ComputeError: "attribution lost rows ({} of {height})", joined.height());
    }
    // Back to the events' order: row r's values are at position inverse[r] of the join.
    let joined = if sorted {
        joined
    } else {
        let rows = joined.column("row")?.idx()?;
        let mut inverse = vec![0 as IdxSize; height];
        for (k, r) in rows.iter().enumerate() {
            let r = r.ok_or_else(|| polars_err!(ComputeError: "attribution lost a row number"))? as usize;
            inverse[r] = k as IdxSize;
        }
        joined.take(&IdxCa::from_vec("inverse".into(), inverse))?
    };
    let mut df = events;
    let own = user_col
        .and_then(|c| df.column(c).ok())
        .filter(|c| c.dtype() == &user_dtype)
        .cloned();
    df.with_column(joined.column("device_name")?.clone())?;
    match own {
        // The usual case: the events' own users are categorical, and the bound users were cast
        // into the same dictionary: the person is the own id, else the bound id.
        Some(own) => {
            let own = own.to_physical_repr();
            let bound = joined.column("bound_user")?.to_physical_repr();
            let ids: UInt32Chunked = own
                .u32()?
                .iter()
                .zip(bound.u32()?.iter())
                .map(|(a, b)| a.or(b))
                .collect();
            // SAFETY: both ids index `user_dtype`'s mapping: the own ids are the column's, and
            // the bound users were cast into that dtype before the join; the physical type is
            // the U32 of vigil's categoricals.
            let person = unsafe {
                Categorical32Chunked::from_cats_and_dtype_unchecked(ids.with_name("person".into()), user_dtype)
            };
            df.with_column(person.into_series().into_column())?;
            Ok(df)
        }
        None => {
            df.with_column(joined.column("bound_user")?.clone())?;
            df.lazy()
                .with_columns([own_user.fill_null(col("bound_user")).alias("person")])
                .drop(by_name(["bound_user"], true, false))
                .collect()
        }
    }
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
