//! Building polars DataFrames from parsed batches.
//!
//! Numeric columns are handed to polars without copying (one arrow chunk per parsed batch);
//! dictionary columns become `Categorical` columns whose ids are the parser's own, so no string is
//! hashed twice; null values are the parser's sentinels turned into validity bitmaps. Each
//! column's chunks are built in parallel.

use polars::prelude::*;
use polars_arrow::array::{MutableBinaryViewArray, PrimitiveArray, Utf8ViewArray};
use polars_arrow::bitmap::Bitmap;
use polars_arrow::types::NativeType;
use rayon::prelude::*;
use vigil_parsers::ingest::WebTable;
use vigil_parsers::intern::Dict;
use vigil_parsers::rows::{ColumnData, ColumnType, NULL_TS, RowTable};
use vigil_parsers::web::{Action, NULL_U32, NULL_U64, TextColumn, WebBatch, WebColumn};

/// Turns the web records of an ingest into a DataFrame with the kept columns, in frame order.
///
/// Consumes the table so that each column's memory moves into polars instead of being copied.
pub fn web_frame(table: WebTable) -> PolarsResult<DataFrame> {
    let WebTable {
        columns,
        mut batches,
        batch_source,
        dicts,
    } = table;
    let height: usize = batches.iter().map(|b| b.rows).sum();
    let mut out: Vec<Column> = Vec::new();
    for column in columns.iter() {
        let name = PlSmallStr::from_static(column.name());
        let series = match column {
            WebColumn::Ts => {
                let ca = Int64Chunked::from_chunk_iter(
                    name,
                    batches
                        .iter_mut()
                        .map(|b| PrimitiveArray::from_vec(std::mem::take(&mut b.ts))),
                );
                ca.into_datetime(TimeUnit::Milliseconds, None).into_series()
            }
            WebColumn::Source => UInt32Chunked::from_chunk_iter(
                name,
                batches
                    .iter()
                    .zip(&batch_source)
                    .map(|(b, &s)| PrimitiveArray::from_vec(vec![s; b.rows])),
            )
            .into_series(),
            WebColumn::Line => u64_column(name, &mut batches, |b| &mut b.line, false),
            WebColumn::Offset => u64_column(name, &mut batches, |b| &mut b.offset, false),
            WebColumn::Port => u32_column(name, &mut batches, |b| &mut b.port),
            WebColumn::Status => u32_column(name, &mut batches, |b| &mut b.status),
            WebColumn::BytesIn => u64_column(name, &mut batches, |b| &mut b.bytes_in, true),
            WebColumn::BytesOut => u64_column(name, &mut batches, |b| &mut b.bytes_out, true),
            WebColumn::DurationMs => u64_column(name, &mut batches, |b| &mut b.duration_ms, true),
            WebColumn::Action => {
                let mut dict = Dict::new();
                for a in Action::ALL {
                    dict.intern(a.as_str().as_bytes());
                }
                categorical(
                    name,
                    &dict,
                    batches.iter_mut().map(|b| std::mem::take(&mut b.action)).collect(),
                )?
            }
            WebColumn::Path => text_column(name, &mut batches, |b| &mut b.path),
            WebColumn::Query => text_column(name, &mut batches, |b| &mut b.query),
            WebColumn::Referer => text_column(name, &mut batches, |b| &mut b.referer),
            WebColumn::UserAgent => text_column(name, &mut batches, |b| &mut b.user_agent),
            WebColumn::SearchTerms => text_column(name, &mut batches, |b| &mut b.search_terms),
            cat => {
                let dict = dicts
                    .iter()
                    .find(|(c, _)| *c == cat)
                    .map(|(_, d)| d)
                    .ok_or_else(|| polars_err!(ComputeError: "no dictionary for column {}", cat.name()))?;
                let ids = batches
                    .iter_mut()
                    .map(|b| {
                        let col = b
                            .cat_columns_mut()
                            .into_iter()
                            .find(|(c, _)| *c == cat)
                            .map(|(_, col)| std::mem::take(&mut col.ids));
                        col.unwrap_or_default()
                    })
                    .collect();
                categorical(name, dict, ids)?
            }
        };
        out.push(series.into_column());
    }
    DataFrame::new(height, out)
}

/// One arrow array per batch, with the parser's null sentinel (if any) turned into validity.
fn primitive_arrays<T: NativeType + PartialEq>(vecs: Vec<Vec<T>>, null: Option<T>) -> Vec<PrimitiveArray<T>> {
    vecs.into_par_iter()
        .map(|v| {
            let validity = null
                .filter(|n| v.contains(n))
                .map(|n| v.iter().map(|x| *x != n).collect::<Bitmap>());
            PrimitiveArray::from_vec(v).with_validity(validity)
        })
        .collect()
}

fn u64_column(
    name: PlSmallStr,
    batches: &mut [WebBatch],
    field: impl Fn(&mut WebBatch) -> &mut Vec<u64>,
    nullable: bool,
) -> Series {
    let vecs = batches.iter_mut().map(|b| std::mem::take(field(b))).collect();
    let arrays = primitive_arrays(vecs, nullable.then_some(NULL_U64));
    UInt64Chunked::from_chunk_iter(name, arrays).into_series()
}

fn u32_column(name: PlSmallStr, batches: &mut [WebBatch], field: impl Fn(&mut WebBatch) -> &mut Vec<u32>) -> Series {
    let vecs = batches.iter_mut().map(|b| std::mem::take(field(b))).collect();
    UInt32Chunked::from_chunk_iter(name, primitive_arrays(vecs, Some(NULL_U32))).into_series()
}

fn text_column(name: PlSmallStr, batches: &mut [WebBatch], field: impl Fn(&mut WebBatch) -> &mut TextColumn) -> Series {
    let columns: Vec<TextColumn> = batches.iter_mut().map(|b| std::mem::take(field(b))).collect();
    text_series(name, columns)
}

/// A String column from per-batch text columns.
fn text_series(name: PlSmallStr, columns: Vec<TextColumn>) -> Series {
    let arrays: Vec<Utf8ViewArray> = columns
        .into_par_iter()
        .map(|t| {
            let mut arr = MutableBinaryViewArray::<str>::with_capacity(t.len());
            for i in 0..t.len() {
                if t.valid[i] {
                    arr.push_value(String::from_utf8_lossy(t.get(i)));
                } else {
                    arr.push_null();
                }
            }
            Utf8ViewArray::from(arr)
        })
        .collect();
    StringChunked::from_chunk_iter(name, arrays).into_series()
}

/// A Categorical column from per-batch id vectors and the dictionary they index.
fn categorical(name: PlSmallStr, dict: &Dict, ids: Vec<Vec<u32>>) -> PolarsResult<Series> {
    let categories = Categories::random(PlSmallStr::from_static("vigil"), CategoricalPhysical::U32);
    let mapping = categories.mapping();
    // Ids match the dictionary's unless two byte strings decode to the same lossy UTF-8 text.
    let mut remap: Option<Vec<u32>> = None;
    for (i, s) in dict.iter().enumerate() {
        let cat = mapping.insert_cat(&String::from_utf8_lossy(s))?;
        if cat as usize != i || remap.is_some() {
            remap.get_or_insert_with(|| (0..i as u32).collect()).push(cat);
        }
    }
    let ids = match &remap {
        Some(remap) => ids
            .into_par_iter()
            .map(|mut v| {
                for id in &mut v {
                    if *id != NULL_U32 {
                        *id = remap[*id as usize];
                    }
                }
                v
            })
            .collect(),
        None => ids,
    };
    let arrays = primitive_arrays(ids, Some(NULL_U32));
    let phys = UInt32Chunked::from_chunk_iter(name, arrays);
    let dtype = DataType::Categorical(categories, mapping);
    // SAFETY: every non-null id was produced by interning into `dict`, whose strings were all
    // inserted into `mapping` above (through `remap` where ids differ), and the physical type is
    // the U32 the categories were created with.
    let ca = unsafe { Categorical32Chunked::from_cats_and_dtype_unchecked(phys, dtype) };
    Ok(ca.into_series())
}

/// Turns the records of one non-web kind into a DataFrame: `ts` (for timed kinds), `source`,
/// `line`, `offset`, then the schema's columns in order.
///
/// Consumes the table so that each column's memory moves into polars instead of being copied.
pub fn row_frame(table: RowTable) -> PolarsResult<DataFrame> {
    let RowTable {
        schema,
        mut batches,
        batch_source,
        dicts,
    } = table;
    let height: usize = batches.iter().map(|b| b.rows).sum();
    let mut out: Vec<Column> = Vec::new();
    if schema.timed {
        let vecs = batches.iter_mut().map(|b| std::mem::take(&mut b.ts)).collect();
        let ca = Int64Chunked::from_chunk_iter(PlSmallStr::from_static("ts"), primitive_arrays(vecs, Some(NULL_TS)));
        out.push(
            ca.into_datetime(TimeUnit::Milliseconds, None)
                .into_series()
                .into_column(),
        );
    }
    let source = UInt32Chunked::from_chunk_iter(
        PlSmallStr::from_static("source"),
        batches
            .iter()
            .zip(&batch_source)
            .map(|(b, &s)| PrimitiveArray::from_vec(vec![s; b.rows])),
    );
    out.push(source.into_series().into_column());
    for (name, field) in [("line", 0), ("offset", 1)] {
        let vecs = batches
            .iter_mut()
            .map(|b| std::mem::take(if field == 0 { &mut b.line } else { &mut b.offset }))
            .collect();
        let ca = UInt64Chunked::from_chunk_iter(PlSmallStr::from_static(name), primitive_arrays(vecs, None));
        out.push(ca.into_series().into_column());
    }
    for (i, def) in schema.columns.iter().enumerate() {
        let name = PlSmallStr::from_static(def.name);
        let data: Vec<ColumnData> = batches
            .iter_mut()
            .map(|b| std::mem::replace(&mut b.columns[i], ColumnData::U64(Vec::new())))
            .collect();
        let series = match def.ty {
            ColumnType::Cat => {
                let ids = data.into_iter().map(ColumnData::into_ids).collect();
                let empty = Dict::new();
                categorical(name, dicts[i].as_ref().unwrap_or(&empty), ids)?
            }
            ColumnType::Text => text_series(name, data.into_iter().map(ColumnData::into_text).collect()),
            ColumnType::U64 => {
                let vecs = data.into_iter().map(|d| d.into_numbers().0).collect();
                UInt64Chunked::from_chunk_iter(name, primitive_arrays(vecs, Some(NULL_U64))).into_series()
            }
            ColumnType::Time => {
                let vecs = data.into_iter().map(|d| d.into_numbers().1).collect();
                Int64Chunked::from_chunk_iter(name, primitive_arrays(vecs, Some(NULL_TS)))
                    .into_datetime(TimeUnit::Milliseconds, None)
                    .into_series()
            }
        };
        out.push(series.into_column());
    }
    DataFrame::new(height, out)
}
