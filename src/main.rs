use clap::Parser;

fn main() -> std::process::ExitCode {
    motcua::cli::main(motcua::cli::Cli::parse())
}
