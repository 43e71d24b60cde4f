//! `vigil init` and `vigil policy check`.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use vigil_queries::policy::{Policy, TEMPLATE};

use crate::cli::{InitArgs, Outcome};

/// Writes the commented template to `--out` (never over an existing file without `--force`) or
/// to standard output.
pub fn init(args: &InitArgs) -> Result<Outcome> {
    match &args.out {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(TEMPLATE.as_bytes())?;
            out.flush()?;
        }
        Some(path) => {
            if path.exists() && !args.force {
                bail!("{} exists; use --force to replace it", path.display());
            }
            // Written whole under a temporary name, then renamed: never half a policy.
            let tmp = path.with_extension("toml.partial");
            std::fs::write(&tmp, TEMPLATE).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "vigil: wrote {}; edit it, then run `vigil policy check {}`",
                path.display(),
                path.display()
            );
        }
    }
    Ok(Outcome::Ok)
}

/// Checks a policy file, printing `FILE: line N: key: problem` for each problem; fails (exit 2)
/// when there is any.
pub fn check(path: &Path) -> Result<Outcome> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the policy {}", path.display()))?;
    let problems = match Policy::parse(&text) {
        Ok(policy) => policy.check(&text),
        Err(p) => vec![p],
    };
    if problems.is_empty() {
        println!("{}: policy is valid", path.display());
        return Ok(Outcome::Ok);
    }
    let mut err = std::io::stderr().lock();
    for p in &problems {
        writeln!(err, "{}: {p}", path.display())?;
    }
    bail!("{} problem(s) in {}", problems.len(), path.display())
}
