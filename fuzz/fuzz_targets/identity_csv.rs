//! The identity, inventory and licence-register CSV parsers on arbitrary bytes: no panic.
//!
//! The first byte picks the parser (and a fixed header, or the header from the input's first
//! line); the rest is cut into lines.
#![no_main]

use std::sync::LazyLock;

use bumpalo::Bump;
use libfuzzer_sys::fuzz_target;
use vigil_parsers::csv::{Columns, Header};
use vigil_parsers::formats::{idcsv, inventory, licences, windhcp};

const DHCP: &str = "ID,Date,Time,Description,IP Address,Host Name,MAC Address,User Name, TransactionID, QResult,Probationtime, CorrelationID,Dhcid,VendorClass(Hex),VendorClass(ASCII),UserClass(Hex),UserClass(ASCII),RelayAgentInformation,DnsRegError.";
const DHCP_V6: &str = "ID,Date,Time,Description,IPV6 Address,Host Name,Error Code, Duid Length, Duid Bytes(Hex),User Name,Dhcid,Subnet Prefix.";
const USERS: &str = "date,time,ip,user,device";
const INTUNE: &str = "ApplicationKey,ApplicationName,ApplicationPublisher,ApplicationShortVersion,ApplicationVersion,DeviceId,DeviceName,OSDescription,OSVersion,Platform,UserId,EmailAddress,UserName";
const REGISTER: &str = "Product,Publisher,Licence type,Qty,Start date,Renewal date,Cost (£),Aliases,Reference";

fn header(h: &str) -> Header {
    Header::parse(h.as_bytes()).expect("a fixed header")
}

/// The fixed headers' columns, mapped once.
static FIXED: LazyLock<[Columns; 5]> = LazyLock::new(|| {
    [
        windhcp::columns(&header(DHCP)).expect("dhcp"),
        windhcp::columns(&header(DHCP_V6)).expect("dhcp v6"),
        idcsv::columns(&header(USERS)).expect("users"),
        inventory::columns(&header(INTUNE)).expect("intune"),
        licences::columns(&header(REGISTER)).expect("register"),
    ]
});

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let mut lines = rest.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let bump = Bump::new();
    let (mut ids, mut apps, mut regs) = (Vec::new(), Vec::new(), Vec::new());
    match sel % 8 {
        0 | 1 => {
            let cols = &FIXED[usize::from(sel % 8)];
            for line in lines {
                let _ = windhcp::parse(line, cols, &bump, &mut ids);
            }
        }
        2 => {
            for line in lines {
                let _ = idcsv::parse(line, &FIXED[2], &bump, &mut ids);
            }
        }
        3 => {
            for line in lines {
                let _ = idcsv::parse_headerless(line, &bump, &mut ids);
            }
        }
        4 => {
            for line in lines {
                let _ = inventory::parse(line, &FIXED[3], &bump, &mut apps);
            }
        }
        5 => {
            for line in lines {
                let _ = licences::parse(line, &FIXED[4], &bump, &mut regs);
            }
        }
        6 => {
            let Some(h) = lines.next().and_then(Header::parse) else {
                return;
            };
            let _ = inventory::is_aggregate(&h);
            let (d, u, i, l) = (
                windhcp::columns(&h),
                idcsv::columns(&h),
                inventory::columns(&h),
                licences::columns(&h),
            );
            for line in lines {
                if let Some(c) = &d {
                    let _ = windhcp::parse(line, c, &bump, &mut ids);
                }
                if let Some(c) = &u {
                    let _ = idcsv::parse(line, c, &bump, &mut ids);
                }
                if let Some(c) = &i {
                    let _ = inventory::parse(line, c, &bump, &mut apps);
                }
                if let Some(c) = &l {
                    let _ = licences::parse(line, c, &bump, &mut regs);
                }
            }
        }
        _ => {
            for line in lines {
                let _ = idcsv::timestamp(line);
                let _ = idcsv::date_prefix(line);
                let _ = windhcp::is_preamble(line, b',');
            }
        }
    }
});
