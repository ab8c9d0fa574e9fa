fn main() {
    std::process::exit(custody::cli::main());
}
