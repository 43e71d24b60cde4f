//! vigil's own set of content categories, which every vendor's category names map onto (the
//! alias table grows with the vendors seen), and which the policy file grades.
//!
//! The first ten follow the UK Safer Internet Centre's "appropriate filtering" definitions (the
//! content a school must be able to block); the rest are the categories schools grade by time
//! or group (social media at lunch, games after school) or that drive other rules (bypass
//! tools, DNS-over-HTTPS).

/// A category: its name in policy files and findings, and what it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    /// The name used in policy files (`social-media`).
    pub name: &'static str,
    /// What it covers.
    pub covers: &'static str,
}

const fn cat(name: &'static str, covers: &'static str) -> Category {
    Category { name, covers }
}

/// Every category vigil knows, in the order the policy template lists them.
pub const CATEGORIES: &[Category] = &[
    cat("child-abuse", "child sexual abuse content (IWF list); always illegal"),
    cat("terrorism", "unlawful terrorist content (CTIRU list); always illegal"),
    cat(
        "discrimination",
        "unjust or prejudicial treatment of people with protected characteristics",
    ),
    cat(
        "hate-speech",
        "hate or incitement to violence against a person or group",
    ),
    cat("drugs", "shows or promotes illegal drug or substance use"),
    cat(
        "extremism",
        "promotes terrorism, terrorist ideologies, violence or intolerance",
    ),
    cat("gambling", "enables gambling"),
    cat(
        "malware-hacking",
        "compromising systems; sites hosting malicious content",
    ),
    cat("pornography", "sexual acts or explicit images"),
    cat("piracy", "illegal supply of copyrighted material"),
    cat("self-harm", "promotes or shows self harm, suicide or eating disorders"),
    cat("violence", "promotes or shows physical force meant to hurt or kill"),
    cat("weapons", "weapons sales and promotion"),
    cat("vpn-proxy", "VPN services, web proxies and anonymisers (filter bypass)"),
    cat("doh", "DNS-over-HTTPS / DNS-over-TLS resolvers (filter bypass)"),
    cat("tor", "the Tor network and its gateways (filter bypass)"),
    cat("dating", "dating and contact sites"),
    cat("social-media", "social networks"),
    cat("messaging", "chat and instant messaging outside the school's systems"),
    cat("games", "online games and game sites"),
    cat("streaming", "video streaming"),
    cat("music", "music streaming"),
    cat("file-sharing", "peer-to-peer and file-sharing services"),
    cat("webmail", "personal web mail"),
    cat("shopping", "online shops and auctions"),
    cat(
        "adult-themes",
        "mature content that is not pornography (lingerie, crude humour)",
    ),
    cat("alcohol-tobacco", "alcohol, tobacco and vaping"),
    cat("search", "search engines"),
    cat("education", "educational resources"),
    cat("news", "news and current affairs"),
    cat("uncategorised", "sites the filter has no category for"),
];

/// The category called `name`.
pub fn category(name: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.name == name)
}
