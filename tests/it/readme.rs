//! The README's control reference is generated from the catalogue; this keeps it true.

#[test]
fn readme_control_catalogue_matches_the_code() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- controls:start -->\n")
        .expect("start marker")
        + "<!-- controls:start -->\n".len();
    let end = readme.find("<!-- controls:end -->").expect("end marker");
    let expected = custody::controls::docs::render(true);
    assert!(
        readme[start..end] == expected,
        "README control catalogue is stale: regenerate it with `cargo run --example generate`"
    );
}

#[test]
fn readme_quick_start_has_exactly_two_commands() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let qs = &readme[readme.find("## Quick start").unwrap()..];
    let block = &qs[qs.find("```sh\n").unwrap() + 6..];
    let block = &block[..block.find("```").unwrap()];
    let commands: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert!(commands[0].starts_with("cargo run --release -- build"));
    assert!(commands[1].starts_with("cargo test"));
}

#[test]
fn readme_lists_the_graph_permission_of_every_endpoint() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for e in custody::evidence::endpoints::ENDPOINTS {
        assert!(readme.contains(e.file), "README does not list {}", e.file);
        for p in e.permission.split(", ") {
            assert!(
                readme.contains(p),
                "README does not list the permission {p} for {}",
                e.file
            );
        }
    }
}
