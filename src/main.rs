fn main() {
    std::process::exit(custody::app::main());
}
