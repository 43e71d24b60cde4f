//! Column-wise batches for every event kind but `web` (which has its own, projected batch for its
//! volume): a kind declares a [`Schema`] of named, typed columns, and its records are pushed
//! column by column into a [`RowBatch`]. Dictionary columns are interned per chunk and merged
//! after parsing, as for `web`; the query crate turns any schema into a DataFrame.

use crate::formats::Kind;
use crate::intern::Dict;
use crate::time::TimestampMs;
use crate::web::{CatColumn, NULL_U32, NULL_U64, TextColumn};

/// A missing time in a [`ColumnType::Time`] column (and in `ts` for kinds without event times).
pub const NULL_TS: i64 = i64::MIN;

/// How a column is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Dictionary-encoded text (low or moderate cardinality: users, hosts, addresses).
    Cat,
    /// Plain text (high cardinality: subjects, reasons).
    Text,
    /// An unsigned number.
    U64,
    /// A time, UTC milliseconds.
    Time,
}

/// One column of a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef {
    /// The column's name in frames and exports.
    pub name: &'static str,
    /// How it is stored.
    pub ty: ColumnType,
}

/// The columns of an event kind (after `ts`, `source`, `line` and `offset`, which every kind has).
#[derive(Debug, PartialEq, Eq)]
pub struct Schema {
    /// The kind.
    pub kind: Kind,
    /// Whether rows have an event time (inventories and registers do not).
    pub timed: bool,
    /// The columns, in frame order.
    pub columns: &'static [ColumnDef],
}

impl Schema {
    /// The index of the column called `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

/// Shorthand for schema tables.
pub const fn col(name: &'static str, ty: ColumnType) -> ColumnDef {
    ColumnDef { name, ty }
}

/// The values of one column of a batch.
#[derive(Debug, Clone)]
pub enum ColumnData {
    /// Dictionary ids ([`NULL_U32`] for null) and the chunk's dictionary.
    Cat(CatColumn),
    /// Text values.
    Text(TextColumn),
    /// Numbers ([`NULL_U64`] for null).
    U64(Vec<u64>),
    /// Times ([`NULL_TS`] for null).
    Time(Vec<i64>),
}

impl ColumnData {
    fn new(ty: ColumnType) -> Self {
        match ty {
            ColumnType::Cat => ColumnData::Cat(CatColumn::default()),
            ColumnType::Text => ColumnData::Text(TextColumn::default()),
            ColumnType::U64 => ColumnData::U64(Vec::new()),
            ColumnType::Time => ColumnData::Time(Vec::new()),
        }
    }

    /// The dictionary ids of a [`ColumnData::Cat`] column (empty for another type).
    pub fn into_ids(self) -> Vec<u32> {
        match self {
            ColumnData::Cat(c) => c.ids,
            _ => Vec::new(),
        }
    }

    /// The values of a [`ColumnData::Text`] column (empty for another type).
    pub fn into_text(self) -> TextColumn {
        match self {
            ColumnData::Text(t) => t,
            _ => TextColumn::default(),
        }
    }

    /// The values of a [`ColumnData::U64`] or [`ColumnData::Time`] column as stored (empty for
    /// another type).
    pub fn into_numbers(self) -> (Vec<u64>, Vec<i64>) {
        match self {
            ColumnData::U64(v) => (v, Vec::new()),
            ColumnData::Time(v) => (Vec::new(), v),
            _ => (Vec::new(), Vec::new()),
        }
    }

    fn len(&self) -> usize {
        match self {
            ColumnData::Cat(c) => c.ids.len(),
            ColumnData::Text(t) => t.len(),
            ColumnData::U64(v) => v.len(),
            ColumnData::Time(v) => v.len(),
        }
    }

    fn truncate(&mut self, rows: usize) {
        match self {
            ColumnData::Cat(c) => c.ids.truncate(rows),
            ColumnData::Text(t) => {
                t.ends.truncate(rows);
                t.valid.truncate(rows);
                let end = t.ends.last().map_or(0, |&e| e as usize);
                t.bytes.truncate(end);
            }
            ColumnData::U64(v) => v.truncate(rows),
            ColumnData::Time(v) => v.truncate(rows),
        }
    }
}

/// Records of one kind from one chunk (or, after a join, one source), column-wise.
#[derive(Debug, Clone)]
pub struct RowBatch {
    /// The kind's columns.
    pub schema: &'static Schema,
    /// Number of rows.
    pub rows: usize,
    /// Event time of each row (UTC ms; [`NULL_TS`] where the kind has none).
    pub ts: Vec<i64>,
    /// Line number of each row's evidence line (1-based, absolute once placed in its source).
    pub line: Vec<u64>,
    /// Byte offset of each row's evidence line.
    pub offset: Vec<u64>,
    /// The schema's columns.
    pub columns: Vec<ColumnData>,
    /// Rows whose local time was ambiguous: (row, later reading); `ts` holds the earlier one.
    pub ambiguous: Vec<(usize, i64)>,
    /// For formats whose lines carry only a time of day (lmgrd): `ts` holds milliseconds since
    /// midnight, and each `(row, date, time of day of the mark)` says the rows from `row` on are
    /// on `date` (or later, when the time of day wraps past the mark's), settled in file order.
    pub dates: Vec<(usize, chrono::NaiveDate, i64)>,
}

impl RowBatch {
    /// An empty batch of `schema`.
    pub fn new(schema: &'static Schema) -> Self {
        RowBatch {
            schema,
            rows: 0,
            ts: Vec::new(),
            line: Vec::new(),
            offset: Vec::new(),
            columns: schema.columns.iter().map(|c| ColumnData::new(c.ty)).collect(),
            ambiguous: Vec::new(),
            dates: Vec::new(),
        }
    }

    /// Starts a row: the caller then sets every column in schema order.
    #[inline]
    pub fn start(&mut self, ts: TimestampMs, line: u64, offset: u64) {
        debug_assert!(
            self.columns.iter().all(|c| c.len() == self.rows),
            "a row was left incomplete"
        );
        self.ts.push(ts);
        self.line.push(line);
        self.offset.push(offset);
        self.rows += 1;
    }

    /// Sets dictionary column `i` of the current row.
    #[inline]
    pub fn cat(&mut self, i: usize, v: Option<&[u8]>) {
        match &mut self.columns[i] {
            ColumnData::Cat(c) => c.push(v),
            _ => unreachable!("column {} is not a dictionary column", self.schema.columns[i].name),
        }
    }

    /// Sets text column `i` of the current row.
    #[inline]
    pub fn text(&mut self, i: usize, v: Option<&[u8]>) {
        match &mut self.columns[i] {
            ColumnData::Text(t) => t.push(v),
            _ => unreachable!("column {} is not a text column", self.schema.columns[i].name),
        }
    }

    /// Sets number column `i` of the current row.
    #[inline]
    pub fn num(&mut self, i: usize, v: Option<u64>) {
        match &mut self.columns[i] {
            ColumnData::U64(n) => n.push(v.unwrap_or(NULL_U64)),
            _ => unreachable!("column {} is not a number column", self.schema.columns[i].name),
        }
    }

    /// Sets time column `i` of the current row.
    #[inline]
    pub fn time(&mut self, i: usize, v: Option<TimestampMs>) {
        match &mut self.columns[i] {
            ColumnData::Time(n) => n.push(v.unwrap_or(NULL_TS)),
            _ => unreachable!("column {} is not a time column", self.schema.columns[i].name),
        }
    }

    /// Sets dictionary column `i` of an existing `row` when it is still null.
    pub fn fill_cat(&mut self, i: usize, row: usize, v: Option<&[u8]>) {
        if let (ColumnData::Cat(c), Some(v)) = (&mut self.columns[i], v)
            && c.ids[row] == NULL_U32
        {
            c.ids[row] = c.dict.intern(v);
        }
    }

    /// Sets number column `i` of an existing `row` when it is still null.
    pub fn fill_num(&mut self, i: usize, row: usize, v: Option<u64>) {
        if let (ColumnData::U64(n), Some(v)) = (&mut self.columns[i], v)
            && n[row] == NULL_U64
        {
            n[row] = v;
        }
    }

    /// Drops the rows from `rows` on (a record that failed half-way through a multi-row line).
    pub fn truncate(&mut self, rows: usize) {
        if rows >= self.rows {
            return;
        }
        self.rows = rows;
        self.ts.truncate(rows);
        self.line.truncate(rows);
        self.offset.truncate(rows);
        for c in &mut self.columns {
            c.truncate(rows);
        }
        self.ambiguous.retain(|&(r, _)| r < rows);
        self.dates.retain(|&(r, _, _)| r <= rows);
    }

    /// The value of dictionary column `i` at `row` (in this batch's own dictionary).
    pub fn cat_value(&self, i: usize, row: usize) -> Option<&[u8]> {
        match &self.columns[i] {
            ColumnData::Cat(c) => match c.ids[row] {
                NULL_U32 => None,
                id => Some(c.dict.get(id)),
            },
            _ => None,
        }
    }

    /// The value of text column `i` at `row`.
    pub fn text_value(&self, i: usize, row: usize) -> Option<&[u8]> {
        match &self.columns[i] {
            ColumnData::Text(t) => t.valid[row].then(|| t.get(row)),
            _ => None,
        }
    }

    /// The value of number column `i` at `row`.
    pub fn num_value(&self, i: usize, row: usize) -> Option<u64> {
        match &self.columns[i] {
            ColumnData::U64(v) => Some(v[row]).filter(|&n| n != NULL_U64),
            _ => None,
        }
    }
}

/// Every record of one kind in an ingest: batches in source and file order with merged
/// dictionaries.
#[derive(Debug)]
pub struct RowTable {
    /// The kind's columns.
    pub schema: &'static Schema,
    /// Batches in order; their own dictionaries are empty once merged.
    pub batches: Vec<RowBatch>,
    /// The source id of each batch.
    pub batch_source: Vec<u32>,
    /// The merged dictionary of each column (`None` for columns that are not dictionaries).
    pub dicts: Vec<Option<Dict>>,
}

impl RowTable {
    /// Builds the table, merging the batches' dictionaries and remapping their ids.
    pub fn new(schema: &'static Schema, mut batches: Vec<RowBatch>, batch_source: Vec<u32>) -> Self {
        use rayon::prelude::*;
        let mut dicts = Vec::with_capacity(schema.columns.len());
        for (i, def) in schema.columns.iter().enumerate() {
            if def.ty != ColumnType::Cat {
                dicts.push(None);
                continue;
            }
            let mut global = Dict::new();
            let remaps: Vec<Vec<u32>> = batches
                .iter()
                .map(|b| match &b.columns[i] {
                    ColumnData::Cat(c) => global.merge_from(&c.dict),
                    _ => Vec::new(),
                })
                .collect();
            batches.par_iter_mut().zip(remaps).for_each(|(b, remap)| {
                if let ColumnData::Cat(c) = &mut b.columns[i] {
                    if remap.iter().enumerate().any(|(k, &g)| k as u32 != g) {
                        for id in &mut c.ids {
                            if *id != NULL_U32 {
                                *id = remap[*id as usize];
                            }
                        }
                    }
                    c.dict = Dict::new();
                }
            });
            dicts.push(Some(global));
        }
        RowTable {
            schema,
            batches,
            batch_source,
            dicts,
        }
    }

    /// Total rows.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(|b| b.rows).sum()
    }

    /// The value of dictionary column `i` in row `row` of batch `batch` (after the merge).
    pub fn cat_value(&self, batch: usize, i: usize, row: usize) -> Option<&[u8]> {
        let dict = self.dicts[i].as_ref()?;
        match &self.batches[batch].columns[i] {
            ColumnData::Cat(c) => match c.ids[row] {
                NULL_U32 => None,
                id => Some(dict.get(id)),
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static TEST: Schema = Schema {
        kind: Kind::Flow,
        timed: true,
        columns: &[
            col("name", ColumnType::Cat),
            col("note", ColumnType::Text),
            col("n", ColumnType::U64),
        ],
    };

    fn batch(names: &[&str]) -> RowBatch {
        let mut b = RowBatch::new(&TEST);
        for (i, n) in names.iter().enumerate() {
            b.start(i as i64, i as u64 + 1, 0);
            b.cat(0, Some(n.as_bytes()));
            b.text(1, (i % 2 == 0).then_some(b"even".as_slice()));
            b.num(2, Some(i as u64));
        }
        b
    }

    #[test]
    fn merges_dictionaries_across_batches() {
        let t = RowTable::new(&TEST, vec![batch(&["a", "b"]), batch(&["b", "c", "a"])], vec![0, 1]);
        let names: Vec<_> = (0..2)
            .flat_map(|b| (0..t.batches[b].rows).map(move |r| (b, r)))
            .map(|(b, r)| t.cat_value(b, 0, r).map(<[u8]>::to_vec))
            .collect();
        let want: Vec<Option<Vec<u8>>> = ["a", "b", "b", "c", "a"]
            .iter()
            .map(|s| Some(s.as_bytes().to_vec()))
            .collect();
        assert_eq!(names, want);
        assert_eq!(t.dicts[0].as_ref().map(Dict::len), Some(3));
        assert!(t.dicts[1].is_none());
        assert_eq!(t.rows(), 5);
    }

    #[test]
    fn truncate_drops_a_half_written_row() {
        let mut b = batch(&["a", "b", "c"]);
        b.start(9, 9, 9);
        b.cat(0, Some(b"d"));
        b.truncate(3);
        assert_eq!(b.rows, 3);
        assert!(b.columns.iter().all(|c| c.len() == 3));
        assert_eq!(b.text_value(1, 2), Some(&b"even"[..]));
        assert_eq!(b.num_value(2, 1), Some(1));
    }
}
