//! custody's integration tests, one binary with a module per feature: linking libgit2,
//! reqwest, plotters and zip once instead of once per file keeps CI's build short.
//! Each module drives the real `custody` binary (assert_cmd) or the library against
//! fixture folders under `tests/fixtures/`; nothing reads outside the repository.

mod support;

mod action;
mod backup_exports;
mod backup_restore_points;
mod backup_veeam;
mod bad_input;
mod browser;
mod catalogue_ca;
mod catalogue_policies;
mod check_formats;
mod cli;
mod clients_listing;
mod collect;
mod collect_certificate;
mod diff_cli;
mod diff_new_client;
mod digest;
mod doctor;
mod evidence_gzip;
mod explain;
mod faults;
mod generated;
mod graph_samples;
mod help;
mod history;
mod hostile;
mod incremental;
mod init;
mod leaks;
mod loader_catalogue;
mod output_folder;
mod pack_provenance;
mod pack_readme;
mod props;
mod publish_digest;
mod readme;
mod redteam_access;
mod redteam_backup;
mod redteam_evidence;
mod sample_data;
mod sample_provenance;
mod sample_repo;
mod schema;
mod seal;
mod serve;
mod signatures;
mod site;
mod summary;
mod tenants;
mod verdict_guard;
mod verdicts_evidence;
mod verdicts_identity;
mod verify_hostile;
mod verify_reevaluate;
mod waiver_horizon;
mod watch;
mod workflows;
