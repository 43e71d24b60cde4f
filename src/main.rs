//! The `vigil` command.

/// mimalloc instead of the system allocator: parsing builds many column vectors per chunk, and
/// glibc's allocator maps and unmaps each large one, which cost a fifth of the run in page faults.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    vigil::cli::main()
}
