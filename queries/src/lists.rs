//! Where a request's category comes from: the filter's own category (each vendor's name mapped
//! onto vigil's set by an alias table the policy can extend), else domain and URL lists in the
//! squidGuard/UT1 directory layout (`DIR/<category>/domains`, `DIR/<category>/urls`), else
//! vigil's built-in seed lists of bypass tools, resolvers and leisure services. The school's
//! list files win over the seeds; a more specific domain wins over its parent.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::categories;

/// Vendor and list category names → vigil categories. Keys are folded (lower case, runs of
/// spaces, `_`, `-`, `/` and `&` as one space). Covers the UT1/squidGuard blacklist directory
/// names and the common names of Smoothwall, Lightspeed, RM SafetyNet, FortiGuard and
/// e2guardian's phrase lists.
pub const ALIASES: &[(&str, &str)] = &[
    ("adult", "pornography"),
    ("porn", "pornography"),
    ("pornography", "pornography"),
    ("sex", "pornography"),
    ("sexual content", "pornography"),
    ("explicit", "pornography"),
    ("nudity", "adult-themes"),
    ("mixed adult", "adult-themes"),
    ("lingerie", "adult-themes"),
    ("lingerie and swimsuit", "adult-themes"),
    ("mature", "adult-themes"),
    ("adult themes", "adult-themes"),
    ("child abuse", "child-abuse"),
    ("iwf", "child-abuse"),
    ("child sexual abuse", "child-abuse"),
    ("terrorism", "terrorism"),
    ("ctiru", "terrorism"),
    ("extremism", "extremism"),
    ("extremist", "extremism"),
    ("radicalisation", "extremism"),
    ("radicalization", "extremism"),
    ("sect", "extremism"),
    ("hate", "hate-speech"),
    ("hate speech", "hate-speech"),
    ("hate and intolerance", "hate-speech"),
    ("racism", "hate-speech"),
    ("discrimination", "discrimination"),
    ("agressif", "violence"),
    ("violence", "violence"),
    ("weapons", "weapons"),
    ("drogue", "drugs"),
    ("drugs", "drugs"),
    ("illegal drugs", "drugs"),
    ("gambling", "gambling"),
    ("arjel", "gambling"),
    ("hacking", "malware-hacking"),
    ("malware", "malware-hacking"),
    ("phishing", "malware-hacking"),
    ("ddos", "malware-hacking"),
    ("malicious websites", "malware-hacking"),
    ("warez", "piracy"),
    ("piracy", "piracy"),
    ("copyright infringement", "piracy"),
    ("self harm", "self-harm"),
    ("suicide", "self-harm"),
    ("vpn", "vpn-proxy"),
    ("proxy", "vpn-proxy"),
    ("proxies", "vpn-proxy"),
    ("proxy avoidance", "vpn-proxy"),
    ("anonymizer", "vpn-proxy"),
    ("anonymiser", "vpn-proxy"),
    ("anonymizers", "vpn-proxy"),
    ("redirector", "vpn-proxy"),
    ("strong redirector", "vpn-proxy"),
    ("web proxies", "vpn-proxy"),
    ("doh", "doh"),
    ("dns over https", "doh"),
    ("tor", "tor"),
    ("dating", "dating"),
    ("social networks", "social-media"),
    ("social networking", "social-media"),
    ("social media", "social-media"),
    ("social", "social-media"),
    ("chat", "messaging"),
    ("instant messaging", "messaging"),
    ("messaging", "messaging"),
    ("games", "games"),
    ("gaming", "games"),
    ("online games", "games"),
    ("audio video", "streaming"),
    ("streaming media", "streaming"),
    ("streaming", "streaming"),
    ("video", "streaming"),
    ("radio", "music"),
    ("music", "music"),
    ("internet radio and tv", "streaming"),
    ("filehosting", "file-sharing"),
    ("file sharing", "file-sharing"),
    ("peer to peer", "file-sharing"),
    ("p2p", "file-sharing"),
    ("webmail", "webmail"),
    ("web based email", "webmail"),
    ("shopping", "shopping"),
    ("auctions", "shopping"),
    ("alcohol", "alcohol-tobacco"),
    ("tobacco", "alcohol-tobacco"),
    ("alcohol and tobacco", "alcohol-tobacco"),
    ("search engines", "search"),
    ("search engines and portals", "search"),
    ("search", "search"),
    ("education", "education"),
    ("educational", "education"),
    ("educational games", "education"),
    ("reference", "education"),
    ("news", "news"),
    ("press", "news"),
    ("news and media", "news"),
    ("uncategorised", "uncategorised"),
    ("uncategorized", "uncategorised"),
    ("unknown", "uncategorised"),
    ("unrated", "uncategorised"),
];

/// Built-in seed lists: well-known services of the categories that drive bypass and leisure
/// rules. Schools add their own lists (UT1 and squidGuard layouts) for everything else.
pub const SEEDS: &[(&str, &[&str])] = &[
    (
        "vpn-proxy",
        &[
            "nordvpn.com",
            "expressvpn.com",
            "protonvpn.com",
            "proton.me",
            "surfshark.com",
            "cyberghostvpn.com",
            "privateinternetaccess.com",
            "hotspotshield.com",
            "tunnelbear.com",
            "windscribe.com",
            "hide.me",
            "hidemyass.com",
            "ipvanish.com",
            "purevpn.com",
            "vyprvpn.com",
            "mullvad.net",
            "psiphon.ca",
            "ultrasurf.us",
            "urban-vpn.com",
            "zenmate.com",
            "betternet.co",
            "hola.org",
            "browsec.com",
            "setupvpn.com",
            "touchvpn.net",
            "croxyproxy.com",
            "croxyproxy.rocks",
            "proxysite.com",
            "kproxy.com",
            "hidester.com",
            "4everproxy.com",
            "proxyium.com",
            "blockaway.net",
            "hide.me",
            "whoer.net",
            "vpnbook.com",
            "freevpn4you.net",
            "unblockvideos.com",
            "proxfree.com",
            "megaproxy.com",
            "anonymouse.org",
            "filterbypass.me",
            "vpn.ac",
            "planetfreevpn.com",
            "holavpn.net",
            // iCloud Private Relay (relays Safari and DNS past the school's filter).
            "mask.icloud.com",
            "mask-h2.icloud.com",
            "mask-api.icloud.com",
            "mask-canary.icloud.com",
        ],
    ),
    (
        "doh",
        &[
            "cloudflare-dns.com",
            "mozilla.cloudflare-dns.com",
            "one.one.one.one",
            "1dot1dot1dot1.cloudflare-dns.com",
            "dns.google",
            "dns.google.com",
            "dns.quad9.net",
            "dns9.quad9.net",
            "dns10.quad9.net",
            "dns11.quad9.net",
            "doh.opendns.com",
            "dns.opendns.com",
            "doh.familyshield.opendns.com",
            "dns.nextdns.io",
            "doh.cleanbrowsing.org",
            "dns.adguard.com",
            "dns.adguard-dns.com",
            "dns-unfiltered.adguard.com",
            "doh.mullvad.net",
            "dns.mullvad.net",
            "doh.libredns.gr",
            "dns.controld.com",
            "freedns.controld.com",
            "doh.dns.sb",
            "dns.twnic.tw",
            "doh.applied-privacy.net",
            "dns.alidns.com",
            "doh.pub",
            "chrome.cloudflare-dns.com",
            "security.cloudflare-dns.com",
            "family.cloudflare-dns.com",
        ],
    ),
    (
        "tor",
        &[
            "torproject.org",
            "tor2web.org",
            "onion.ws",
            "onion.ly",
            "onion.pet",
            "onion.to",
            "onion.link",
            "tor2web.io",
            "darknet.to",
            "onion.city",
            "onion.cab",
        ],
    ),
    (
        "messaging",
        &[
            "whatsapp.com",
            "whatsapp.net",
            "web.whatsapp.com",
            "telegram.org",
            "web.telegram.org",
            "t.me",
            "discord.com",
            "discord.gg",
            "discordapp.com",
            "signal.org",
            "messenger.com",
            "kik.com",
            "omegle.com",
            "wickr.com",
            "line.me",
            "viber.com",
            "wechat.com",
        ],
    ),
    (
        "games",
        &[
            "roblox.com",
            "rbxcdn.com",
            "poki.com",
            "coolmathgames.com",
            "crazygames.com",
            "miniclip.com",
            "friv.com",
            "y8.com",
            "kongregate.com",
            "armorgames.com",
            "steampowered.com",
            "steamcommunity.com",
            "epicgames.com",
            "fortnite.com",
            "minecraft.net",
            "ea.com",
            "xbox.com",
            "playstation.com",
            "twitch.tv",
            "agar.io",
            "slither.io",
            "krunker.io",
            "shellshock.io",
            "1v1.lol",
            "gameflare.com",
        ],
    ),
    (
        "streaming",
        &[
            "youtube.com",
            "googlevideo.com",
            "ytimg.com",
            "youtu.be",
            "netflix.com",
            "nflxvideo.net",
            "disneyplus.com",
            "primevideo.com",
            "hulu.com",
            "dailymotion.com",
            "vimeo.com",
            "bbc.co.uk/iplayer",
            "itvx.com",
            "channel4.com",
            "now.com",
            "plex.tv",
            "crunchyroll.com",
        ],
    ),
    (
        "music",
        &[
            "spotify.com",
            "soundcloud.com",
            "deezer.com",
            "music.apple.com",
            "tidal.com",
            "music.youtube.com",
        ],
    ),
    (
        "social-media",
        &[
            "facebook.com",
            "fbcdn.net",
            "instagram.com",
            "cdninstagram.com",
            "tiktok.com",
            "tiktokcdn.com",
            "snapchat.com",
            "x.com",
            "twitter.com",
            "twimg.com",
            "reddit.com",
            "pinterest.com",
            "tumblr.com",
            "threads.net",
            "bsky.app",
            "linkedin.com",
            "bereal.com",
        ],
    ),
    (
        "gambling",
        &[
            "bet365.com",
            "williamhill.com",
            "paddypower.com",
            "skybet.com",
            "betfair.com",
            "ladbrokes.com",
            "coral.co.uk",
            "betway.com",
            "888.com",
            "pokerstars.com",
            "betvictor.com",
            "unibet.co.uk",
            "stake.com",
            "national-lottery.co.uk",
            "tombola.co.uk",
            "gamstop.co.uk",
        ],
    ),
    (
        "search",
        &[
            "google.com",
            "google.co.uk",
            "bing.com",
            "duckduckgo.com",
            "yahoo.com",
            "ecosia.org",
            "kiddle.co",
        ],
    ),
    (
        "webmail",
        &[
            "mail.google.com",
            "outlook.live.com",
            "mail.yahoo.com",
            "mail.aol.com",
            "gmx.com",
            "mail.proton.me",
        ],
    ),
    (
        "file-sharing",
        &[
            "wetransfer.com",
            "mega.nz",
            "mediafire.com",
            "thepiratebay.org",
            "1337x.to",
            "rarbg.to",
        ],
    ),
    (
        "education",
        &[
            "bbc.co.uk/bitesize",
            "wikipedia.org",
            "senecalearning.com",
            "khanacademy.org",
            "quizlet.com",
            "kahoot.it",
            "kahoot.com",
            "sparxmaths.uk",
            "corbettmaths.com",
            "classroom.google.com",
            "oaknational.academy",
            "mathswatch.co.uk",
            "hegartymaths.com",
            "educake.co.uk",
        ],
    ),
    (
        "news",
        &[
            "bbc.co.uk",
            "bbc.com",
            "theguardian.com",
            "independent.co.uk",
            "sky.com",
            "itv.com",
            "reuters.com",
        ],
    ),
];

/// Words in a host name that mark web proxies and VPN sites the lists do not know yet (filters
/// call this "proxy avoidance" by name): `unblocked-proxy.example`, `free-vpn.example`.
pub const BYPASS_HOST_WORDS: &[&str] = &[
    "proxy",
    "proxies",
    "unblock",
    "unblocked",
    "unblocker",
    "vpn",
    "anonymizer",
    "anonymiser",
    "hideme",
    "webproxy",
];

/// Whether a host's name marks it as a proxy or VPN site (any `.`/`-` separated word of it is
/// one of [`BYPASS_HOST_WORDS`]).
pub fn looks_like_bypass(host: &str) -> bool {
    host.to_ascii_lowercase()
        .split(['.', '-'])
        .any(|w| BYPASS_HOST_WORDS.contains(&w))
}

/// Folds a category name for alias lookup.
pub fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    }
    out.trim_end().to_owned()
}

/// A domain or URL list entry's origin: vigil's seed (0) or the school's list files (1), so that
/// the school's files win.
type Rank = u8;

/// The categories of hosts and URLs, from aliases and lists.
#[derive(Debug, Clone, Default)]
pub struct Categoriser {
    aliases: HashMap<String, &'static str>,
    domains: HashMap<String, (&'static str, Rank)>,
    /// `host/path-prefix` entries.
    urls: HashMap<String, Vec<(String, &'static str, Rank)>>,
    /// Vendor names met that map onto nothing (reported).
    pub unknown_dirs: Vec<String>,
    /// Lines read from list files.
    pub entries: usize,
}

/// A category named in a list or by a vendor: vigil's name, if it is one of vigil's.
fn vigil_name(name: &str) -> Option<&'static str> {
    categories::category(name).map(|c| c.name)
}

impl Categoriser {
    /// The built-in aliases (plus `extra`, vendor name → vigil name) and, unless `no_seeds`,
    /// the seed lists. An `extra` alias naming an unknown vigil category is an error.
    pub fn new(extra: &[(String, String)], no_seeds: bool) -> Result<Categoriser, String> {
        let mut c = Categoriser::default();
        for (from, to) in ALIASES {
            let to = vigil_name(to).ok_or_else(|| format!("alias table names unknown category {to}"))?;
            c.aliases.insert(fold(from), to);
        }
        for name in categories::CATEGORIES {
            c.aliases.insert(fold(name.name), name.name);
        }
        for (from, to) in extra {
            let to =
                vigil_name(to).ok_or_else(|| format!("`{from}` = `{to}`: `{to}` is not one of vigil's categories"))?;
            c.aliases.insert(fold(from), to);
        }
        if !no_seeds {
            for (cat, entries) in SEEDS {
                let cat = vigil_name(cat).ok_or_else(|| format!("seed list names unknown category {cat}"))?;
                for e in *entries {
                    c.add(e, cat, 0);
                }
            }
        }
        Ok(c)
    }

    fn add(&mut self, entry: &str, cat: &'static str, rank: Rank) {
        let entry = entry
            .trim()
            .trim_start_matches("*.")
            .trim_start_matches('.')
            .to_ascii_lowercase();
        if entry.is_empty() {
            return;
        }
        match entry.split_once('/') {
            Some((host, path)) => {
                let list = self.urls.entry(host.to_owned()).or_default();
                list.push((format!("/{path}"), cat, rank));
                // Longest prefix first, the school's entries before seeds.
                list.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(b.2.cmp(&a.2)));
            }
            None => {
                let slot = self.domains.entry(entry).or_insert((cat, rank));
                if rank >= slot.1 {
                    *slot = (cat, rank);
                }
            }
        }
    }

    /// Reads a squidGuard/UT1 directory: each subdirectory named after a category (mapped
    /// through the aliases) with `domains` and/or `urls` files of one entry a line (`#`
    /// comments). Subdirectories whose names map onto nothing are listed in `unknown_dirs`.
    pub fn load_dir(&mut self, dir: &Path) -> Result<(), String> {
        let read = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut subdirs: Vec<PathBuf> = read
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        subdirs.sort();
        for sub in subdirs {
            let name = sub
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Some(&cat) = self.aliases.get(&fold(&name)) else {
                self.unknown_dirs.push(sub.display().to_string());
                continue;
            };
            for file in ["domains", "urls"] {
                let path = sub.join(file);
                if !path.exists() {
                    continue;
                }
                let text = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                for line in String::from_utf8_lossy(&text).lines() {
                    let line = line.split('#').next().unwrap_or("").trim();
                    if !line.is_empty() {
                        self.add(line, cat, 1);
                        self.entries += 1;
                    }
                }
            }
        }
        Ok(())
    }

    /// The vigil category of a vendor's category name, if the alias table knows it.
    pub fn alias(&self, vendor: &str) -> Option<&'static str> {
        self.aliases.get(&fold(vendor)).copied()
    }

    /// Whether URL entries exist for `host` or a parent (so the path matters).
    pub fn has_urls(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        let mut h: &str = host.strip_prefix("www.").unwrap_or(&host);
        loop {
            if self.urls.contains_key(h) {
                return true;
            }
            match h.split_once('.') {
                Some((_, parent)) if parent.contains('.') => h = parent,
                _ => return false,
            }
        }
    }

    /// The category of `host` (and `path`) from the lists: the longest matching URL prefix,
    /// else the most specific listed domain (the host or a parent).
    pub fn of_host(&self, host: &str, path: Option<&str>) -> Option<&'static str> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host);
        let mut h: &str = host;
        loop {
            if let (Some(path), Some(list)) = (path, self.urls.get(h))
                && let Some((_, cat, _)) = list.iter().find(|(prefix, _, _)| path.starts_with(prefix.as_str()))
            {
                return Some(cat);
            }
            if let Some((cat, _)) = self.domains.get(h) {
                return Some(cat);
            }
            match h.split_once('.') {
                Some((_, parent)) if parent.contains('.') || self.domains.contains_key(parent) => h = parent,
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_names_fold_onto_vigils_categories() {
        let c = Categoriser::new(&[("Betting & Gaming".to_owned(), "gambling".to_owned())], false).expect("ok");
        assert_eq!(c.alias("Social Networking"), Some("social-media"));
        assert_eq!(c.alias("social_networks"), Some("social-media"));
        assert_eq!(c.alias("Proxy Avoidance"), Some("vpn-proxy"));
        assert_eq!(c.alias("betting-&-gaming"), Some("gambling"));
        assert_eq!(c.alias("kittens"), None);
        assert!(Categoriser::new(&[("x".to_owned(), "kittens".to_owned())], false).is_err());
    }

    #[test]
    fn most_specific_entry_wins_and_school_lists_beat_seeds() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (cat, file, body) in [
            ("gambling", "domains", "luckyspin.example\n# comment\n"),
            ("games", "domains", "cloudflare-dns.com\n"),
            ("audio-video", "urls", "bbc.co.uk/iplayer/live\n"),
            ("astrology", "domains", "stars.example\n"),
        ] {
            std::fs::create_dir_all(dir.path().join(cat)).expect("mkdir");
            std::fs::write(dir.path().join(cat).join(file), body).expect("write");
        }
        let mut c = Categoriser::new(&[], false).expect("ok");
        c.load_dir(dir.path()).expect("load");
        assert_eq!(c.of_host("www.luckyspin.example", None), Some("gambling"));
        assert_eq!(c.of_host("cdn.luckyspin.example", None), Some("gambling"));
        assert_eq!(
            c.of_host("cloudflare-dns.com", None),
            Some("games"),
            "school list beats seed"
        );
        assert_eq!(
            c.of_host("mozilla.cloudflare-dns.com", None),
            Some("doh"),
            "more specific seed"
        );
        assert_eq!(
            c.of_host("www.bbc.co.uk", Some("/iplayer/live/bbcone")),
            Some("streaming")
        );
        assert_eq!(c.of_host("www.bbc.co.uk", Some("/bitesize/guides")), Some("education"));
        assert_eq!(c.of_host("www.bbc.co.uk", Some("/news")), Some("news"));
        assert_eq!(c.of_host("example.org", None), None);
        assert_eq!(
            c.of_host("mask-h2.icloud.com", None),
            Some("vpn-proxy"),
            "iCloud Private Relay"
        );
        assert_eq!(c.of_host("www.icloud.com", None), None);
        assert!(looks_like_bypass("unblocked-proxy.example"));
        assert!(looks_like_bypass("www.free-vpn.example"));
        assert!(!looks_like_bypass("vpnx.example"));
        assert!(!looks_like_bypass("approxy.example"));
        assert_eq!(c.unknown_dirs.len(), 1, "astrology maps onto nothing");
        assert_eq!(c.entries, 3);
    }
}
