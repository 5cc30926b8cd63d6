//! Rebuild when a migration file is added or removed (editing one is tracked by
//! `include_str!` already).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
