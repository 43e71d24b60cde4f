//! `vigil generate`.

use std::io::Write;

use anyhow::Result;

use crate::cli::{GenerateArgs, Outcome};
use crate::generate::{GenerateOptions, generate};

/// Runs `vigil generate`.
pub fn run(args: &GenerateArgs) -> Result<Outcome> {
    anyhow::ensure!(args.days > 0, "--days must be at least 1");
    anyhow::ensure!(
        args.scale > 0.0 && args.scale.is_finite(),
        "--scale must be a positive number"
    );
    anyhow::ensure!(
        args.pupils + args.staff + args.guests > 0,
        "the school needs at least one person"
    );
    let written = generate(&GenerateOptions {
        out: args.out.clone(),
        days: args.days,
        start: args.start,
        pupils: args.pupils,
        staff: args.staff,
        guests: args.guests,
        seed: args.seed,
        scale: args.scale,
        lines: args.lines,
        rotate: !args.no_rotate,
    })?;
    let mut out = std::io::stdout().lock();
    for (file, lines) in &written.files {
        writeln!(out, "{}: {} lines", args.out.join(file).display(), lines)?;
    }
    writeln!(
        out,
        "{}: {} planted incidents",
        args.out.join("ground-truth.json").display(),
        written.incidents
    )?;
    Ok(Outcome::Ok)
}
