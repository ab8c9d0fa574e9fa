//! One module per command: its arguments (`clap::Args`, with the examples `--help`
//! shows) and its `run`, which calls the library and prints through the terminal.

pub mod build;
pub mod check;
pub mod clients;
pub mod collect;
pub mod completions;
pub mod controls;
pub mod diff;
pub mod digest;
pub mod doctor;
pub mod explain;
pub mod init;
pub mod man;
pub mod schema;
pub mod seal;
pub mod serve;
pub mod tenants;
pub mod verify;
pub mod watch;

use crate::diagnostic::{Code, Diagnostic};

/// A usage error: an argument that cannot be used, named in the message (text, or a
/// library error whose `Display` is the message).
pub(crate) fn usage(message: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::general(Code::Usage, message.to_string())
}

/// A file or folder that cannot be read or written.
pub(crate) fn io(message: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::general(Code::Io, message.to_string())
}
