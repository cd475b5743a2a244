//! The benchmark's baseline: read claim files with the `csv` crate into one
//! reused `ByteRecord` and do nothing else. `scripts/bench.sh` compares
//! `tongchou run` against this floor.
//!
//!     cargo run --release --example parse_baseline -- FILE...

use std::time::Instant;

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: parse_baseline FILE...");
        std::process::exit(2);
    }
    let start = Instant::now();
    let (mut records, mut bytes, mut fields) = (0u64, 0u64, 0u64);
    let mut record = csv::ByteRecord::new();
    for f in &files {
        let mut rdr = match csv::ReaderBuilder::new().flexible(true).from_path(f) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{f}: {e}");
                std::process::exit(1);
            }
        };
        loop {
            match rdr.read_byte_record(&mut record) {
                Ok(true) => {
                    records += 1;
                    fields += record.len() as u64;
                    bytes += record.as_slice().len() as u64;
                }
                Ok(false) => break,
                Err(e) => {
                    eprintln!("{f}: {e}");
                    std::process::exit(1);
                }
            }
        }
    }
    let s = start.elapsed().as_secs_f64();
    println!(
        "{records} records, {fields} fields, {bytes} field bytes in {s:.3} s ({:.0} records/s)",
        records as f64 / s
    );
}
