//! The Exchange message-tracking and Microsoft 365 message-trace parsers on arbitrary bytes: no
//! panic. The first byte picks the variant (modulo 8): 0 an Exchange 2013+ line, 1 an Exchange
//! 2007 line, 2 a `#Fields:` line then a line, 3 a Get-MessageTrace CSV row, 4 a summary-report
//! row, 5 a JSON line, 6 a whole JSON document, 7 any CSV header then a row (both modules).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_parsers::csv::Header;
use vigil_parsers::formats::{exchange, m365};

const FIELDS_2016: &[u8] = b"#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version";
const FIELDS_2007: &[u8] = b"#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info";
const TRACE: &[u8] = b"\"PSComputerName\",\"RunspaceId\",\"PSShowComputerName\",\"Organization\",\"MessageId\",\"Received\",\"SenderAddress\",\"RecipientAddress\",\"Subject\",\"Status\",\"ToIP\",\"FromIP\",\"Size\",\"MessageTraceId\",\"StartDate\",\"EndDate\",\"Index\"";
const SUMMARY: &[u8] = b"origin_timestamp_utc,sender_address,recipient_status,message_subject,total_bytes,message_id,network_message_id,original_client_ip,directionality,connector_id,delivery_priority";

/// The first line and the rest.
fn two_lines(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let bump = Default::default();
    let mut out = Vec::new();
    let exchange_cols = |fields: &[u8]| exchange::header(fields).and_then(|h| exchange::columns(&h));
    let m365_cols = |fields: &[u8]| Header::parse(fields).and_then(|h| m365::columns(&h));
    match which % 8 {
        0 => {
            if let Some(c) = exchange_cols(FIELDS_2016) {
                let _ = exchange::parse(rest, &c, &bump, &mut out);
            }
        }
        1 => {
            if let Some(c) = exchange_cols(FIELDS_2007) {
                let _ = exchange::parse(rest, &c, &bump, &mut out);
            }
        }
        2 => {
            let (fields, line) = two_lines(rest);
            if let Some(c) = exchange_cols(fields) {
                let _ = exchange::parse(line, &c, &bump, &mut out);
            }
        }
        3 => {
            if let Some(c) = m365_cols(TRACE) {
                let _ = m365::parse(rest, &c, &bump, &mut out);
            }
        }
        4 => {
            if let Some(c) = m365_cols(SUMMARY) {
                let _ = m365::parse(rest, &c, &bump, &mut out);
            }
        }
        5 => {
            let _ = m365::parse_json_line(rest, &bump, &mut out);
        }
        6 => {
            let mut docs = Vec::new();
            let mut rejects = Vec::new();
            let _ = m365::parse_json_document(rest, &bump, &mut docs);
            let _ = m365::parse_json_records(rest, &bump, &mut docs, &mut rejects);
        }
        _ => {
            let (fields, line) = two_lines(rest);
            if let Some(h) = Header::parse(fields) {
                if let Some(c) = exchange::columns(&h) {
                    let _ = exchange::parse(line, &c, &bump, &mut out);
                }
                if let Some(c) = m365::columns(&h) {
                    let _ = m365::parse(line, &c, &bump, &mut out);
                }
            }
            let _ = m365::received(rest);
        }
    }
});
