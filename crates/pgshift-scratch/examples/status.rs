//! Prints `pgshift_scratch::status` for the environment's configuration as
//! JSON (no side effects): `cargo run -p pgshift-scratch --example status`.

fn main() {
    let config = pgshift_scratch::ScratchConfig::from_env();
    match pgshift_scratch::status(&config) {
        Ok(st) => match serde_json::to_string_pretty(&st) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("{e}"),
        },
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
