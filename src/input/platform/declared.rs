//! What the platform layout's settlements declared (POLICY §10), kept by
//! person partition when the month is partitioned: each bucket's
//! declared amounts are written beside the partitions' spill files, and a
//! partition reads back only its own when its claims are cleared. The
//! format is private to one run, written with the spill file's encoders:
//! per settlement its `setl_id` and each declared amount as a presence
//! byte and the decimal (exact, scale and sign kept).

use super::Declared;
use crate::input::spill::{put_dec, put_str, Cursor};
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

/// A passing settlement's declared amounts, with the person cell (as a
/// partition key) that routes it to its claim's partition.
pub struct Found {
    pub person_key: String,
    pub setl_id: String,
    pub declared: Declared,
}

/// Write `entries` to a new file at `path`.
pub fn write(path: &Path, entries: &[&Found]) -> io::Result<()> {
    let mut b = Vec::new();
    for e in entries {
        put_str(&mut b, &e.setl_id);
        for a in &e.declared.amounts {
            match a {
                Some(d) => {
                    b.push(1);
                    put_dec(&mut b, *d);
                }
                None => b.push(0),
            }
        }
    }
    std::fs::File::create(path)?.write_all(&b)
}

/// Add the entries of the file at `path` to `into` (none when it was
/// never written).
pub fn read_into(path: &Path, into: &mut HashMap<String, Declared>) -> io::Result<()> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let damaged = || io::Error::other(format!("{}: a damaged spill file", path.display()));
    let mut r = Cursor::new(&bytes);
    while r.read() < bytes.len() {
        let id = r.string().ok_or_else(damaged)?;
        let mut declared = Declared::default();
        for a in declared.amounts.iter_mut() {
            *a = match r.u8().ok_or_else(damaged)? {
                0 => None,
                1 => Some(r.dec().ok_or_else(damaged)?),
                _ => return Err(damaged()),
            };
        }
        into.insert(id, declared);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn declared_amounts_come_back_exactly() {
        let dir = std::env::temp_dir().join(format!("declared-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("d.bin");
        let d = |s: &str| Some(s.parse::<Decimal>().expect("decimal"));
        let entries = [
            Found {
                person_key: "P1".into(),
                setl_id: "S1".into(),
                declared: Declared {
                    amounts: [d("255.00"), None, d("-0.10"), None, None, d("1.5")],
                },
            },
            Found {
                person_key: "P2".into(),
                setl_id: "结算2".into(),
                declared: Declared::default(),
            },
        ];
        write(&path, &entries.iter().collect::<Vec<_>>()).expect("write");
        let mut back = HashMap::new();
        read_into(&path, &mut back).expect("read");
        read_into(&dir.join("never-written.bin"), &mut back).expect("absent");
        assert_eq!(back.len(), 2);
        assert_eq!(back["S1"], entries[0].declared);
        assert_eq!(
            back["S1"].amounts[0].map(|x| x.to_string()).as_deref(),
            Some("255.00")
        );
        assert_eq!(back["结算2"], Declared::default());
        // A file cut short is an error, not a panic or a silent loss.
        let bytes = std::fs::read(&path).expect("read back");
        std::fs::write(&path, &bytes[..bytes.len() - 1]).expect("cut");
        assert!(read_into(&path, &mut HashMap::new()).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
