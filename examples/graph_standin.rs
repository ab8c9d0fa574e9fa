//! The loopback Microsoft Graph stand-in of the tests (tests/it/support/graph_standin.rs) as
//! a process, with a fixed delay per response, for timing `custody collect` in
//! tools/bench/pipeline.sh. It serves the real response shapes from
//! tests/fixtures/graph-samples for every tenant and prints its URL on the first line.
//!
//! ```text
//! cargo run --release --example graph_standin -- --latency-ms 150
//! ```

#[path = "../tests/it/support/graph_standin.rs"]
mod graph_standin;

use graph_standin::{Reply, Req, Server, happy_graph, token_reply};
use std::time::Duration;

fn main() {
    let mut latency = Duration::from_millis(150);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match (flag.as_str(), it.next().map(|v| v.parse::<u64>())) {
            ("--latency-ms", Some(Ok(ms))) => latency = Duration::from_millis(ms),
            _ => {
                eprintln!("usage: graph_standin [--latency-ms N]");
                std::process::exit(2);
            }
        }
    }
    // The handler needs its own base URL for nextLinks: learnt once the port is bound.
    let base = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
    let b = base.clone();
    let server = Server::start(move |req: &Req| {
        std::thread::sleep(latency);
        let base = b.get().map(String::as_str).unwrap_or("");
        if req.path().ends_with("/oauth2/v2.0/token") {
            return token_reply("tok-bench");
        }
        happy_graph(req, base).unwrap_or_else(|| {
            Reply::Json(
                404,
                vec![],
                r#"{"error":{"code":"Request_ResourceNotFound","message":"not served by the stand-in"}}"#.into(),
            )
        })
    });
    let _ = base.set(server.url.clone());
    println!("{}", server.url);
    // Serve until killed; the log would grow without bound over a long run.
    loop {
        std::thread::sleep(Duration::from_secs(5));
        server.log.lock().map(|mut l| l.clear()).ok();
    }
}
