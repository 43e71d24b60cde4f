//! The `web` event kind: one record per proxy or filter request, stored column-wise.

use crate::intern::Dict;
use crate::time::TimestampMs;
use crate::url::UrlParts;

/// Sentinel for a missing `u32` value in a column.
pub const NULL_U32: u32 = u32::MAX;
/// Sentinel for a missing `u64` value in a column.
pub const NULL_U64: u64 = u64::MAX;

/// What the proxy or filter did with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Action {
    /// Served.
    Allowed = 0,
    /// Refused by policy (a filter block or a proxy ACL denial).
    Blocked = 1,
    /// Shown a warning page the user could click through.
    Warned = 2,
    /// Redirected by the filter (for example to a safe-search or block page).
    Redirected = 3,
    /// Failed for a reason other than policy (aborted, invalid request, upstream error).
    Error = 4,
    /// Refused until the client authenticates (a proxy's `407` challenge, not a policy block).
    AuthRequired = 5,
}

impl Action {
    /// Every action, in id order.
    pub const ALL: [Action; 6] = [
        Action::Allowed,
        Action::Blocked,
        Action::Warned,
        Action::Redirected,
        Action::Error,
        Action::AuthRequired,
    ];

    /// The name used in frames and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allowed => "allowed",
            Action::Blocked => "blocked",
            Action::Warned => "warned",
            Action::Redirected => "redirected",
            Action::Error => "error",
            Action::AuthRequired => "auth-required",
        }
    }
}

/// One web request as a format parser reads it, borrowing from the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebRecord<'a> {
    /// When the request was made (UTC ms).
    pub ts: TimestampMs,
    /// For a local time in the hour repeated when clocks go back: the later reading (`ts` is the
    /// earlier one); resolved in file order after parsing.
    pub ts_late: Option<TimestampMs>,
    /// The authenticated user as logged.
    pub user: Option<&'a [u8]>,
    /// The client address.
    pub client: Option<&'a [u8]>,
    /// The client device name, where the log has one.
    pub device: Option<&'a [u8]>,
    /// HTTP method.
    pub method: Option<&'a [u8]>,
    /// The request target.
    pub url: UrlParts<'a>,
    /// HTTP status returned to the client.
    pub status: Option<u16>,
    /// The decision.
    pub action: Action,
    /// The vendor's own result code (Squid `TCP_MISS`, `TCP_DENIED`, …).
    pub result: Option<&'a [u8]>,
    /// Filter category (or categories, `;`-joined).
    pub category: Option<&'a [u8]>,
    /// Filter reason.
    pub reason: Option<&'a [u8]>,
    /// Bytes sent to the client (downloaded).
    pub bytes_in: Option<u64>,
    /// Bytes received from the client (uploaded).
    pub bytes_out: Option<u64>,
    /// How long the request took.
    pub duration_ms: Option<u64>,
    /// Content type.
    pub mime: Option<&'a [u8]>,
    /// How the proxy fetched it (Squid hierarchy code: `HIER_DIRECT`, `PARENT_HIT`, …).
    pub hierarchy: Option<&'a [u8]>,
    /// The upstream host or address.
    pub peer: Option<&'a [u8]>,
    /// The Referer header.
    pub referer: Option<&'a [u8]>,
    /// The User-Agent header.
    pub user_agent: Option<&'a [u8]>,
}

impl<'a> WebRecord<'a> {
    /// A record at `ts` with every optional field empty.
    pub fn new(ts: TimestampMs) -> Self {
        WebRecord {
            ts,
            ts_late: None,
            user: None,
            client: None,
            device: None,
            method: None,
            url: UrlParts::default(),
            status: None,
            action: Action::Allowed,
            result: None,
            category: None,
            reason: None,
            bytes_in: None,
            bytes_out: None,
            duration_ms: None,
            mime: None,
            hierarchy: None,
            peer: None,
            referer: None,
            user_agent: None,
        }
    }
}

/// The columns of the `web` kind, in frame order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum WebColumn {
    Ts,
    Source,
    Line,
    Offset,
    User,
    UserRaw,
    ClientIp,
    Device,
    Method,
    Scheme,
    Host,
    Port,
    Path,
    Query,
    Status,
    Action,
    Result,
    Category,
    Reason,
    BytesIn,
    BytesOut,
    DurationMs,
    Mime,
    Hierarchy,
    Peer,
    Referer,
    UserAgent,
    SearchTerms,
}

impl WebColumn {
    /// Every column in frame order.
    pub const ALL: [WebColumn; 28] = [
        WebColumn::Ts,
        WebColumn::Source,
        WebColumn::Line,
        WebColumn::Offset,
        WebColumn::User,
        WebColumn::UserRaw,
        WebColumn::ClientIp,
        WebColumn::Device,
        WebColumn::Method,
        WebColumn::Scheme,
        WebColumn::Host,
        WebColumn::Port,
        WebColumn::Path,
        WebColumn::Query,
        WebColumn::Status,
        WebColumn::Action,
        WebColumn::Result,
        WebColumn::Category,
        WebColumn::Reason,
        WebColumn::BytesIn,
        WebColumn::BytesOut,
        WebColumn::DurationMs,
        WebColumn::Mime,
        WebColumn::Hierarchy,
        WebColumn::Peer,
        WebColumn::Referer,
        WebColumn::UserAgent,
        WebColumn::SearchTerms,
    ];

    /// The column's name in frames and exports.
    pub fn name(self) -> &'static str {
        match self {
            WebColumn::Ts => "ts",
            WebColumn::Source => "source",
            WebColumn::Line => "line",
            WebColumn::Offset => "offset",
            WebColumn::User => "user",
            WebColumn::UserRaw => "user_raw",
            WebColumn::ClientIp => "client_ip",
            WebColumn::Device => "device",
            WebColumn::Method => "method",
            WebColumn::Scheme => "scheme",
            WebColumn::Host => "host",
            WebColumn::Port => "port",
            WebColumn::Path => "path",
            WebColumn::Query => "query",
            WebColumn::Status => "status",
            WebColumn::Action => "action",
            WebColumn::Result => "result",
            WebColumn::Category => "category",
            WebColumn::Reason => "reason",
            WebColumn::BytesIn => "bytes_in",
            WebColumn::BytesOut => "bytes_out",
            WebColumn::DurationMs => "duration_ms",
            WebColumn::Mime => "mime",
            WebColumn::Hierarchy => "hierarchy",
            WebColumn::Peer => "peer",
            WebColumn::Referer => "referer",
            WebColumn::UserAgent => "user_agent",
            WebColumn::SearchTerms => "search_terms",
        }
    }

    /// The column named `name`.
    pub fn from_name(name: &str) -> Option<WebColumn> {
        WebColumn::ALL.into_iter().find(|c| c.name() == name)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// Which columns an ingest keeps (projection push-down): every field is still parsed and
/// validated, but only these are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebColumns(u32);

impl WebColumns {
    /// Every column.
    pub fn all() -> Self {
        WebColumns(WebColumn::ALL.iter().fold(0, |acc, c| acc | c.bit()))
    }

    /// No column (counting only).
    pub fn none() -> Self {
        WebColumns(0)
    }

    /// Exactly these columns.
    pub fn of(columns: &[WebColumn]) -> Self {
        WebColumns(columns.iter().fold(0, |acc, c| acc | c.bit()))
    }

    /// Adds a column.
    pub fn with(self, column: WebColumn) -> Self {
        WebColumns(self.0 | column.bit())
    }

    /// Whether the column is kept.
    #[inline]
    pub fn has(self, column: WebColumn) -> bool {
        self.0 & column.bit() != 0
    }

    /// The kept columns in frame order.
    pub fn iter(self) -> impl Iterator<Item = WebColumn> {
        WebColumn::ALL.into_iter().filter(move |c| self.has(*c))
    }
}

/// A dictionary-encoded string column; [`NULL_U32`] marks a missing value.
#[derive(Debug, Default, Clone)]
pub struct CatColumn {
    /// Row values as dictionary ids.
    pub ids: Vec<u32>,
    /// The distinct strings.
    pub dict: Dict,
}

impl CatColumn {
    #[inline]
    pub(crate) fn push(&mut self, v: Option<&[u8]>) {
        let id = match v {
            Some(s) => self.dict.intern(s),
            None => NULL_U32,
        };
        self.ids.push(id);
    }
}

/// A plain string column: concatenated bytes plus end offsets; `valid[i]` is false for nulls.
#[derive(Debug, Default, Clone)]
pub struct TextColumn {
    /// All values back to back.
    pub bytes: Vec<u8>,
    /// End of each value in `bytes`.
    pub ends: Vec<u32>,
    /// Whether each value is present.
    pub valid: Vec<bool>,
}

impl TextColumn {
    /// The value of row `i` (empty for a null).
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    #[inline]
    pub(crate) fn push(&mut self, v: Option<&[u8]>) {
        if let Some(s) = v {
            self.bytes.extend_from_slice(s);
        }
        self.finish(v.is_some());
    }

    #[inline]
    fn finish(&mut self, valid: bool) {
        self.ends.push(u32::try_from(self.bytes.len()).unwrap_or(u32::MAX));
        self.valid.push(valid);
    }
}

/// Web records of one parsed chunk, column-wise, holding only the projected columns.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct WebBatch {
    pub columns: WebColumns,
    pub rows: usize,
    pub ts: Vec<i64>,
    /// Line numbers (1-based, absolute once the batch is placed in its source).
    pub line: Vec<u64>,
    /// Byte offsets of the lines in the (decompressed) source.
    pub offset: Vec<u64>,
    pub user: CatColumn,
    pub user_raw: CatColumn,
    pub client_ip: CatColumn,
    pub device: CatColumn,
    pub method: CatColumn,
    pub scheme: CatColumn,
    pub host: CatColumn,
    pub port: Vec<u32>,
    pub path: TextColumn,
    pub query: TextColumn,
    pub status: Vec<u32>,
    /// Action ids: `Action as u32`.
    pub action: Vec<u32>,
    pub result: CatColumn,
    pub category: CatColumn,
    pub reason: CatColumn,
    pub bytes_in: Vec<u64>,
    pub bytes_out: Vec<u64>,
    pub duration_ms: Vec<u64>,
    pub mime: CatColumn,
    pub hierarchy: CatColumn,
    pub peer: CatColumn,
    pub referer: TextColumn,
    pub user_agent: TextColumn,
    pub search_terms: TextColumn,
    /// Rows whose local time was ambiguous: (row, later reading); `ts` holds the earlier one.
    pub ambiguous: Vec<(usize, i64)>,
    scratch: Vec<u8>,
    /// For each id of `user_raw`'s dictionary, the canonical user's id (or `NULL_U32` when not
    /// yet computed): each distinct spelling is canonicalised once per chunk.
    raw_to_user: Vec<u32>,
    /// The id of the last raw user seen: requests come in bursts from one person.
    last_raw: u32,
}

impl WebBatch {
    /// An empty batch keeping `columns`.
    pub fn new(columns: WebColumns) -> Self {
        WebBatch {
            columns,
            rows: 0,
            ts: Vec::new(),
            line: Vec::new(),
            offset: Vec::new(),
            user: CatColumn::default(),
            user_raw: CatColumn::default(),
            client_ip: CatColumn::default(),
            device: CatColumn::default(),
            method: CatColumn::default(),
            scheme: CatColumn::default(),
            host: CatColumn::default(),
            port: Vec::new(),
            path: TextColumn::default(),
            query: TextColumn::default(),
            status: Vec::new(),
            action: Vec::new(),
            result: CatColumn::default(),
            category: CatColumn::default(),
            reason: CatColumn::default(),
            bytes_in: Vec::new(),
            bytes_out: Vec::new(),
            duration_ms: Vec::new(),
            mime: CatColumn::default(),
            hierarchy: CatColumn::default(),
            peer: CatColumn::default(),
            referer: TextColumn::default(),
            user_agent: TextColumn::default(),
            search_terms: TextColumn::default(),
            ambiguous: Vec::new(),
            scratch: Vec::new(),
            raw_to_user: Vec::new(),
            last_raw: NULL_U32,
        }
    }

    /// An empty batch keeping `columns`, with room for about `rows` rows in each kept fixed-width
    /// column.
    pub fn with_capacity(columns: WebColumns, rows: usize) -> Self {
        use WebColumn as C;
        let mut b = WebBatch::new(columns);
        let reserve_i64 = |v: &mut Vec<i64>, c| {
            if columns.has(c) {
                v.reserve(rows)
            }
        };
        reserve_i64(&mut b.ts, C::Ts);
        for (v, c) in [
            (&mut b.line, C::Line),
            (&mut b.offset, C::Offset),
            (&mut b.bytes_in, C::BytesIn),
            (&mut b.bytes_out, C::BytesOut),
            (&mut b.duration_ms, C::DurationMs),
        ] {
            if columns.has(c) {
                v.reserve(rows);
            }
        }
        for (v, c) in [
            (&mut b.port, C::Port),
            (&mut b.status, C::Status),
            (&mut b.action, C::Action),
        ] {
            if columns.has(c) {
                v.reserve(rows);
            }
        }
        for (c, col) in b.cat_columns_mut() {
            if columns.has(c) {
                col.ids.reserve(rows);
            }
        }
        b
    }

    /// Appends one record found at `line` (1-based within the chunk) and byte `offset`.
    #[inline]
    pub fn push(&mut self, r: &WebRecord<'_>, line: u64, offset: u64) {
        use WebColumn as C;
        let cols = self.columns;
        if cols.has(C::Ts) {
            if let Some(late) = r.ts_late {
                self.ambiguous.push((self.rows, late));
            }
            self.ts.push(r.ts);
        }
        self.rows += 1;
        if cols.has(C::Line) {
            self.line.push(line);
        }
        if cols.has(C::Offset) {
            self.offset.push(offset);
        }
        if cols.has(C::User) || cols.has(C::UserRaw) {
            let raw_id = match r.user {
                None => NULL_U32,
                Some(raw) if self.last_raw != NULL_U32 && self.user_raw.dict.get(self.last_raw) == raw => self.last_raw,
                Some(raw) => {
                    self.last_raw = self.user_raw.dict.intern(raw);
                    self.last_raw
                }
            };
            if cols.has(C::UserRaw) {
                self.user_raw.ids.push(raw_id);
            }
            if cols.has(C::User) {
                let id = if raw_id == NULL_U32 {
                    NULL_U32
                } else {
                    let k = raw_id as usize;
                    if k >= self.raw_to_user.len() {
                        self.raw_to_user.resize(k + 1, NULL_U32);
                    }
                    if self.raw_to_user[k] == NULL_U32 {
                        crate::user::canonical_into(self.user_raw.dict.get(raw_id), &mut self.scratch);
                        self.raw_to_user[k] = self.user.dict.intern(&self.scratch);
                    }
                    self.raw_to_user[k]
                };
                self.user.ids.push(id);
            }
        }
        if cols.has(C::ClientIp) {
            self.client_ip.push(r.client);
        }
        if cols.has(C::Device) {
            self.device.push(r.device);
        }
        if cols.has(C::Method) {
            self.method.push(r.method);
        }
        if cols.has(C::Scheme) {
            self.scheme.push(r.url.scheme);
        }
        if cols.has(C::Host) {
            match r.url.host {
                Some(h) => {
                    let h = h.strip_suffix(b".").unwrap_or(h);
                    let id = if h.iter().any(u8::is_ascii_uppercase) {
                        self.scratch.clear();
                        self.scratch.extend(h.iter().map(u8::to_ascii_lowercase));
                        self.host.dict.intern(&self.scratch)
                    } else {
                        self.host.dict.intern(h)
                    };
                    self.host.ids.push(id);
                }
                None => self.host.ids.push(NULL_U32),
            }
        }
        if cols.has(C::Port) {
            self.port.push(r.url.port.map_or(NULL_U32, u32::from));
        }
        if cols.has(C::Path) {
            self.path.push(Some(r.url.path));
        }
        if cols.has(C::Query) {
            self.query.push(r.url.query);
        }
        if cols.has(C::Status) {
            self.status.push(r.status.map_or(NULL_U32, u32::from));
        }
        if cols.has(C::Action) {
            self.action.push(r.action as u32);
        }
        if cols.has(C::Result) {
            self.result.push(r.result);
        }
        if cols.has(C::Category) {
            self.category.push(r.category);
        }
        if cols.has(C::Reason) {
            self.reason.push(r.reason);
        }
        if cols.has(C::BytesIn) {
            self.bytes_in.push(r.bytes_in.unwrap_or(NULL_U64));
        }
        if cols.has(C::BytesOut) {
            self.bytes_out.push(r.bytes_out.unwrap_or(NULL_U64));
        }
        if cols.has(C::DurationMs) {
            self.duration_ms.push(r.duration_ms.unwrap_or(NULL_U64));
        }
        if cols.has(C::Mime) {
            self.mime.push(r.mime);
        }
        if cols.has(C::Hierarchy) {
            self.hierarchy.push(r.hierarchy);
        }
        if cols.has(C::Peer) {
            self.peer.push(r.peer);
        }
        if cols.has(C::Referer) {
            self.referer.push(r.referer);
        }
        if cols.has(C::UserAgent) {
            self.user_agent.push(r.user_agent);
        }
        if cols.has(C::SearchTerms) {
            let found = match (r.url.host, r.url.query) {
                (Some(host), Some(query)) => crate::url::search_terms_into(host, query, &mut self.search_terms.bytes),
                _ => false,
            };
            self.search_terms.finish(found);
        }
    }

    /// Every dictionary-encoded column with its name, for merging.
    pub fn cat_columns_mut(&mut self) -> [(WebColumn, &mut CatColumn); 13] {
        [
            (WebColumn::User, &mut self.user),
            (WebColumn::UserRaw, &mut self.user_raw),
            (WebColumn::ClientIp, &mut self.client_ip),
            (WebColumn::Device, &mut self.device),
            (WebColumn::Method, &mut self.method),
            (WebColumn::Scheme, &mut self.scheme),
            (WebColumn::Host, &mut self.host),
            (WebColumn::Result, &mut self.result),
            (WebColumn::Category, &mut self.category),
            (WebColumn::Reason, &mut self.reason),
            (WebColumn::Mime, &mut self.mime),
            (WebColumn::Hierarchy, &mut self.hierarchy),
            (WebColumn::Peer, &mut self.peer),
        ]
    }
}
