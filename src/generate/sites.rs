//! The sites the fictional school's users visit, with the fictional filter's decision for each.
//!
//! Everyday sites are real, well-known services (so the sample looks like a school's log);
//! sites behind planted incidents that would be harmful are fictional `.example` hosts.

use super::school::Role;

/// Who the school's filter blocks a site for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockedFor {
    /// Nobody.
    Nobody,
    /// Pupils only.
    Pupils,
    /// Everybody.
    Everyone,
}

/// How the proxy sees requests to a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// HTTPS not inspected: `CONNECT host:443` tunnels.
    Tunnel,
    /// HTTPS inspected (or plain HTTP): full URLs with paths and queries.
    Inspected,
    /// Plain `http://` URLs.
    Http,
}

/// One site in the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Site {
    /// Host name (or address).
    pub host: &'static str,
    /// Category (vigil's category names).
    pub category: &'static str,
    /// Relative popularity with staff, pupils and guests.
    pub weight: [f64; 3],
    /// How much more popular it is outside lessons.
    pub leisure: f64,
    /// The filter's decision.
    pub blocked: BlockedFor,
    /// How requests appear.
    pub transport: Transport,
    /// Typical bytes per request (log-normal median).
    pub bytes: u64,
    /// Paths (for inspected and HTTP sites).
    pub paths: &'static [&'static str],
    /// Content type of those paths.
    pub mime: &'static str,
}

/// A catalogue row, positionally (the tables below read better as rows than as struct literals).
#[allow(clippy::too_many_arguments)]
const fn site(
    host: &'static str,
    category: &'static str,
    weight: [f64; 3],
    leisure: f64,
    blocked: BlockedFor,
    transport: Transport,
    bytes: u64,
    paths: &'static [&'static str],
    mime: &'static str,
) -> Site {
    Site {
        host,
        category,
        weight,
        leisure,
        blocked,
        transport,
        bytes,
        paths,
        mime,
    }
}

use BlockedFor::{Everyone, Nobody, Pupils};
use Transport::{Http, Inspected, Tunnel};

const NONE: &[&str] = &[];
const SEARCH: &[&str] = &["/search"];

/// Everyday traffic.
#[rustfmt::skip]
pub const CATALOGUE: &[Site] = &[
    site("www.google.com", "search", [8.0, 10.0, 6.0], 1.0, Nobody, Inspected, 48_000, SEARCH, "text/html"),
    site("www.google.co.uk", "search", [4.0, 5.0, 2.0], 1.0, Nobody, Inspected, 45_000, SEARCH, "text/html"),
    site("www.bing.com", "search", [1.5, 1.0, 1.0], 1.0, Nobody, Inspected, 40_000, SEARCH, "text/html"),
    site("duckduckgo.com", "search", [0.3, 0.4, 0.3], 1.0, Nobody, Inspected, 30_000, &["/"], "text/html"),
    site("www.gstatic.com", "infrastructure", [6.0, 6.0, 4.0], 1.0, Nobody, Tunnel, 35_000, NONE, "-"),
    site("fonts.googleapis.com", "infrastructure", [3.0, 3.0, 2.0], 1.0, Nobody, Tunnel, 8_000, NONE, "-"),
    site("login.microsoftonline.com", "productivity", [9.0, 6.0, 0.5], 0.6, Nobody, Tunnel, 12_000, NONE, "-"),
    site("outlook.office365.com", "productivity", [12.0, 3.0, 0.2], 0.8, Nobody, Tunnel, 60_000, NONE, "-"),
    site("www.office.com", "productivity", [5.0, 4.0, 0.2], 0.6, Nobody, Tunnel, 90_000, NONE, "-"),
    site("teams.microsoft.com", "productivity", [8.0, 4.0, 0.2], 0.7, Nobody, Tunnel, 150_000, NONE, "-"),
    site("kestrelbrook-my.sharepoint.com", "productivity", [7.0, 5.0, 0.0], 0.6, Nobody, Tunnel, 400_000, NONE, "-"),
    site("classroom.google.com", "education", [3.0, 7.0, 0.0], 0.5, Nobody, Tunnel, 80_000, NONE, "-"),
    site("docs.google.com", "productivity", [3.0, 6.0, 0.3], 0.6, Nobody, Tunnel, 120_000, NONE, "-"),
    site("www.bbc.co.uk", "news", [4.0, 5.0, 2.0], 1.2, Nobody, Inspected, 70_000, &[ "/bitesize/subjects/zjxhfg8", "/bitesize/guides/z8c9q6f/revision/1", "/news/education", "/news", "/weather", "/bitesize/examspecs/zcbchv4", ], "text/html"),
    site("en.wikipedia.org", "reference", [3.0, 6.0, 1.0], 0.8, Nobody, Inspected, 55_000, &[ "/wiki/Photosynthesis", "/wiki/World_War_I", "/wiki/Pythagorean_theorem", "/wiki/Macbeth", "/wiki/Plate_tectonics", "/wiki/Volcano", ], "text/html"),
    site("www.senecalearning.com", "education", [0.5, 4.0, 0.0], 0.6, Nobody, Tunnel, 90_000, NONE, "-"),
    site("www.khanacademy.org", "education", [0.5, 2.0, 0.0], 0.6, Nobody, Tunnel, 110_000, NONE, "-"),
    site("quizlet.com", "education", [0.5, 3.0, 0.0], 0.8, Nobody, Tunnel, 70_000, NONE, "-"),
    site("kahoot.it", "education", [1.0, 2.5, 0.0], 0.4, Nobody, Tunnel, 40_000, NONE, "-"),
    site("www.sparxmaths.uk", "education", [0.3, 3.5, 0.0], 0.5, Nobody, Tunnel, 60_000, NONE, "-"),
    site("www.corbettmaths.com", "education", [0.6, 2.0, 0.0], 0.6, Nobody, Inspected, 45_000, &["/contents/", "/2013/05/14/angles-in-polygons/", "/5-a-day/gcse/"], "text/html"),
    site("www.youtube.com", "video", [4.0, 5.0, 4.0], 2.0, Nobody, Inspected, 90_000, &["/watch", "/results", "/feed/subscriptions"], "text/html"),
    site("rr4---sn-aigl6nze.googlevideo.com", "video", [3.0, 4.0, 5.0], 2.5, Nobody, Tunnel, 2_500_000, NONE, "-"),
    site("i.ytimg.com", "video", [2.0, 3.0, 3.0], 2.0, Nobody, Tunnel, 25_000, NONE, "-"),
    site("www.theguardian.com", "news", [2.0, 0.5, 1.0], 1.3, Nobody, Tunnel, 80_000, NONE, "-"),
    site("www.amazon.co.uk", "shopping", [1.0, 0.3, 1.0], 1.5, Nobody, Tunnel, 120_000, NONE, "-"),
    site("open.spotify.com", "music", [0.8, 1.5, 1.5], 2.0, Pupils, Tunnel, 300_000, NONE, "-"),
    site("www.instagram.com", "social", [0.8, 2.0, 2.0], 3.0, Pupils, Tunnel, 150_000, NONE, "-"),
    site("www.tiktok.com", "social", [0.3, 2.5, 2.0], 3.0, Pupils, Tunnel, 250_000, NONE, "-"),
    site("www.coolmathgames.com", "games", [0.1, 1.5, 0.2], 4.0, Pupils, Inspected, 60_000, &["/0-run-3", "/0-papas-pizzeria", "/1-checkers"], "text/html"),
    site("poki.com", "games", [0.1, 1.2, 0.3], 4.0, Pupils, Tunnel, 90_000, NONE, "-"),
    site("www.roblox.com", "games", [0.1, 1.0, 0.3], 4.0, Pupils, Tunnel, 200_000, NONE, "-"),
    site("ctldl.windowsupdate.com", "infrastructure", [1.0, 1.0, 0.5], 1.0, Nobody, Http, 400_000, &[ "/msdownload/update/v3/static/trustedr/en/authrootstl.cab", "/msdownload/update/v3/static/trustedr/en/disallowedcertstl.cab", ], "application/vnd.ms-cab-compressed"),
    site("ocsp.digicert.com", "infrastructure", [2.0, 2.0, 1.0], 1.0, Nobody, Http, 1_500, &[ "/MFEwTzBNMEswSTAJBgUrDgMCGgUABBSAUQYBMq2awn1Rh6Doh%2FsBYgFV7gQUA95QNVbRTLtm8KPiGxvDl7I90VUCEAJ0LqoXyo4hxxe7H%2Fz9DKA%3D", ], "application/ocsp-response"),
    site("clients2.google.com", "infrastructure", [1.5, 1.5, 1.0], 1.0, Nobody, Tunnel, 6_000, NONE, "-"),
];

/// Benign search terms, by audience.
pub const STAFF_SEARCHES: &[&str] = &[
    "ofsted inspection framework",
    "gcse biology specification",
    "year 9 poetry scheme of work",
    "safeguarding training",
    "how to share a teams recording",
    "risk assessment template school trip",
    "photosynthesis diagram",
    "mark scheme paper 2",
];
/// Benign pupil searches.
pub const PUPIL_SEARCHES: &[&str] = &[
    "photosynthesis equation",
    "causes of ww1",
    "how to find the area of a circle",
    "macbeth act 1 summary",
    "volcano types ks3",
    "french verbs etre",
    "pythagoras theorem questions",
    "what is a haiku",
    "how do plate tectonics work",
    "minecraft seeds",
    "papas pizzeria",
    "spanish numbers 1-100",
    "solar system facts",
    "how to revise for gcse",
];

/// Extra hosts used only by planted incidents.
#[rustfmt::skip]
pub const INCIDENT_SITES: &[Site] = &[
    site("luckyspin-casino.example", "gambling", [0.0; 3], 1.0, Everyone, Tunnel, 4_000, NONE, "text/html"),
    site("nordvpn.com", "vpn-proxy", [0.0; 3], 1.0, Everyone, Tunnel, 4_000, NONE, "text/html"),
    site("unblocked-proxy.example", "vpn-proxy", [0.0; 3], 1.0, Everyone, Inspected, 4_000, &["/browse.php"], "text/html"),
    site("cloudflare-dns.com", "doh", [0.0; 3], 1.0, Nobody, Tunnel, 3_000, NONE, "-"),
    site("203.0.113.45", "unknown", [0.0; 3], 1.0, Nobody, Tunnel, 900_000, NONE, "-"),
    site("mirror.fictional-linux.example", "downloads", [0.0; 3], 1.0, Nobody, Http, 4_400_000_000, &["/releases/24.04/fictional-desktop-24.04-amd64.iso"], "application/x-iso9660-image"),
    site("adult-content.example", "adult", [0.0; 3], 1.0, Everyone, Tunnel, 4_000, NONE, "text/html"),
    site("www.youtube.com", "video", [0.0; 3], 1.0, Nobody, Inspected, 90_000, &["/watch"], "text/html"),
];

/// The weight of a site for a role.
pub fn weight(site: &Site, role: Role, leisure_time: bool) -> f64 {
    let w = match role {
        Role::Staff => site.weight[0],
        Role::Pupil => site.weight[1],
        Role::Guest => site.weight[2],
    };
    if leisure_time { w * site.leisure } else { w }
}

/// Whether the filter blocks a site for a role.
pub fn is_blocked(site: &Site, role: Role) -> bool {
    match site.blocked {
        Nobody => false,
        Everyone => true,
        Pupils => role == Role::Pupil,
    }
}
