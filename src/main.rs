use clap::Parser;

/// mimalloc instead of glibc's allocator: a request allocates and frees thousands of small
/// blocks (statements built by sea-query, rows decoded by sea-orm), and glibc's malloc and free
/// were a quarter of a submission's instructions (BENCHMARKS.md, issue 9: bench/instructions.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    motcua::cli::main(motcua::cli::Cli::parse())
}
