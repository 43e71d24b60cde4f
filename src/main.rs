//! The `vigil` command.

fn main() -> std::process::ExitCode {
    vigil::cli::main()
}
