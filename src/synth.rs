//! placeholder
pub fn run_cli(_a: crate::cli::SynthArgs) -> Result<String, String> {
    Err("todo".into())
}
