//! What the platform layout's settlements declared (POLICY §10), kept by
//! person partition when the month is partitioned: each bucket's
//! declared amounts are written beside the partitions' spill files, and a
//! partition reads back only its own when its claims are cleared. The
//! format is private to one run: per settlement its `setl_id`
//! (length-prefixed) and each declared amount as a presence byte and the
//! decimal's 16 bytes (exact).

use super::Declared;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::io::{self, BufWriter, Read, Write};
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
    let mut out = BufWriter::with_capacity(1 << 16, std::fs::File::create(path)?);
    for e in entries {
        let id = e.setl_id.as_bytes();
        out.write_all(&(id.len() as u32).to_le_bytes())?;
        out.write_all(id)?;
        for a in &e.declared.amounts {
            match a {
                Some(d) => {
                    out.write_all(&[1])?;
                    out.write_all(&d.serialize())?;
                }
                None => out.write_all(&[0])?,
            }
        }
    }
    out.into_inner().map_err(|e| e.into_error())?;
    Ok(())
}

/// Add the entries of the file at `path` to `into` (none when it was
/// never written).
pub fn read_into(path: &Path, into: &mut HashMap<String, Declared>) -> io::Result<()> {
    let mut bytes = Vec::new();
    match std::fs::File::open(path) {
        Ok(mut f) => f.read_to_end(&mut bytes)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut at = 0usize;
    while at < bytes.len() {
        let len = u32::from_le_bytes(four(take(&bytes, &mut at, 4, path)?, path)?) as usize;
        let id = String::from_utf8(take(&bytes, &mut at, len, path)?.to_vec())
            .map_err(|_| damaged(path))?;
        let mut declared = Declared::default();
        for a in declared.amounts.iter_mut() {
            if take(&bytes, &mut at, 1, path)?[0] == 1 {
                let raw: [u8; 16] = take(&bytes, &mut at, 16, path)?
                    .try_into()
                    .map_err(|_| damaged(path))?;
                *a = Some(Decimal::deserialize(raw));
            }
        }
        into.insert(id, declared);
    }
    Ok(())
}

fn damaged(path: &Path) -> io::Error {
    io::Error::other(format!("{}: a damaged spill file", path.display()))
}

/// The next `n` bytes at `at`, which moves past them.
fn take<'b>(bytes: &'b [u8], at: &mut usize, n: usize, path: &Path) -> io::Result<&'b [u8]> {
    let s = bytes.get(*at..*at + n).ok_or_else(|| damaged(path))?;
    *at += n;
    Ok(s)
}

fn four(b: &[u8], path: &Path) -> io::Result<[u8; 4]> {
    b.try_into().map_err(|_| damaged(path))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let _ = std::fs::remove_dir_all(&dir);
    }
}
