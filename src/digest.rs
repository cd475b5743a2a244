//! SHA-256 as lower-case hex: the hashes of input files (read by
//! `input`) and of written outputs (the manifest and staging).

/// SHA-256 of some bytes, lower-case hex (the manifest's file hashes).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}

/// Lower-case hex of a digest.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
