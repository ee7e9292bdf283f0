//! Chunk sealing: compress, encrypt, address.
//!
//! Scheme (convergent encryption under a secret key, SIV style):
//! - the chunk address is `BLAKE3-keyed(K_id, plaintext)`. Keyed, so someone
//!   holding the snapshot directory but not the key cannot confirm a guess
//!   of the content by hashing it (an unkeyed hash would leak that);
//! - the nonce is the first 24 bytes of `BLAKE3-keyed(K_nonce, plaintext)`:
//!   deterministic, so identical chunks encrypt to identical files and
//!   dedupe, and a nonce only repeats for an identical message, which is
//!   the one case where repetition reveals nothing new (equality of chunks
//!   is already visible through the address);
//! - the ciphertext is XChaCha20-Poly1305 under `K_enc` over the zstd
//!   frame, with the address as associated data, so a chunk file cannot be
//!   swapped in under another name;
//! - reading checks the AEAD tag, then recomputes the address from the
//!   decrypted plaintext and compares, so a damaged or substituted chunk
//!   is always detected.
//!
//! - a chunk may be stored as a delta: its zstd frame is compressed with
//!   the plaintext of an earlier full chunk (its base, named in the
//!   header and bound into the associated data) as dictionary, so a chunk
//!   that differs from its previous version by one row costs about one row.
//!   Bases are always full chunks (chains have depth one).
//!
//! All subkeys are derived from one 32-byte master key with
//! `blake3::derive_key`, whose fingerprint goes into each manifest so a
//! wrong key is caught before anything is read.

use super::store::ChunkId;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

/// Secret-store key of the backup master key.
pub const KEY_SECRET: &str = "backup/key";
/// Workspace setting that records which secret backend holds the key.
pub const KEY_SETTING: &str = "backup_key_backend";
/// Environment variable that overrides the stored key (hex).
pub const ENV_KEY: &str = "DBN_BACKUP_KEY";

const MAGIC: &[u8; 4] = b"DBNC";
const SEAL_VERSION: u8 = 1;
const DELTA_VERSION: u8 = 2;
const HEADER: usize = 4 + 1 + 24;
const DELTA_HEADER: usize = 4 + 1 + 32 + 24;
const ZSTD_LEVEL: i32 = 3;

/// Why a sealed chunk could not be opened.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpenError {
    /// Not a chunk file at all.
    #[error("not a dbn chunk (bad header)")]
    BadHeader,
    /// Authentication failed: wrong key or damaged bytes.
    #[error("authentication failed (wrong key or damaged bytes)")]
    Auth,
    /// Decompression failed after a valid tag (should not happen).
    #[error("decompression failed: {0}")]
    Zstd(String),
    /// Plaintext does not hash to the address.
    #[error("content does not match its address")]
    Mismatch,
    /// A delta chunk was opened without its base.
    #[error("delta chunk opened without its base")]
    NeedsBase,
}

/// The base a sealed chunk is a delta against, if it is one.
pub fn base_of(sealed: &[u8]) -> Option<ChunkId> {
    if sealed.len() >= DELTA_HEADER && &sealed[..4] == MAGIC && sealed[4] == DELTA_VERSION {
        let mut b = [0u8; 32];
        b.copy_from_slice(&sealed[5..37]);
        return Some(ChunkId(b));
    }
    None
}

/// The master backup key and its derived subkeys.
#[derive(Clone)]
pub struct BackupKey {
    id_key: Zeroizing<[u8; 32]>,
    nonce_key: Zeroizing<[u8; 32]>,
    enc_key: Zeroizing<[u8; 32]>,
    mac_key: Zeroizing<[u8; 32]>,
    fingerprint: String,
}

impl BackupKey {
    /// Derive the subkeys from a 32-byte master key.
    pub fn from_bytes(master: &[u8; 32]) -> Self {
        let d = |ctx: &str| Zeroizing::new(blake3::derive_key(ctx, master));
        let fp = d("dbn backup 2026-11 key fingerprint");
        Self {
            id_key: d("dbn backup 2026-11 chunk address"),
            nonce_key: d("dbn backup 2026-11 chunk nonce"),
            enc_key: d("dbn backup 2026-11 chunk encryption"),
            mac_key: d("dbn backup 2026-11 manifest mac"),
            fingerprint: hex::encode(&fp[..8]),
        }
    }

    /// A fresh random master key, returned as hex for the secret store.
    pub fn generate() -> Zeroizing<String> {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::fill(&mut k[..]);
        Zeroizing::new(hex::encode(&k[..]))
    }

    /// Parse a hex master key (64 characters).
    pub fn from_hex(s: &str) -> Option<Self> {
        let raw = Zeroizing::new(hex::decode(s.trim()).ok()?);
        let arr: [u8; 32] = raw.as_slice().try_into().ok()?;
        let arr = Zeroizing::new(arr);
        Some(Self::from_bytes(&arr))
    }

    /// Short public fingerprint recorded in manifests.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The address of a plaintext chunk.
    pub fn address(&self, plain: &[u8]) -> ChunkId {
        ChunkId(*blake3::keyed_hash(&self.id_key, plain).as_bytes())
    }

    /// A keyed hasher for whole-table hashes.
    pub fn table_hasher(&self) -> blake3::Hasher {
        blake3::Hasher::new_keyed(&self.id_key)
    }

    /// MAC over manifest bytes (hex).
    pub fn mac(&self, bytes: &[u8]) -> String {
        blake3::keyed_hash(&self.mac_key, bytes).to_hex().to_string()
    }

    /// Compress and encrypt a plaintext chunk; returns its address and the
    /// bytes to store.
    pub fn seal(&self, plain: &[u8]) -> Result<(ChunkId, Vec<u8>), OpenError> {
        let id = self.address(plain);
        let packed = zstd::bulk::compress(plain, ZSTD_LEVEL).map_err(|e| OpenError::Zstd(e.to_string()))?;
        Ok((id, self.encrypt(&id, None, plain, &packed)?))
    }

    /// Seal `plain` as a delta against the full chunk `base` (whose
    /// plaintext is `base_plain`).
    pub fn seal_delta(&self, plain: &[u8], base: &ChunkId, base_plain: &[u8]) -> Result<(ChunkId, Vec<u8>), OpenError> {
        let id = self.address(plain);
        let packed = zstd::bulk::Compressor::with_dictionary(ZSTD_LEVEL, base_plain)
            .and_then(|mut c| c.compress(plain))
            .map_err(|e| OpenError::Zstd(e.to_string()))?;
        Ok((id, self.encrypt(&id, Some(base), plain, &packed)?))
    }

    fn encrypt(&self, id: &ChunkId, base: Option<&ChunkId>, plain: &[u8], packed: &[u8]) -> Result<Vec<u8>, OpenError> {
        let nonce_full = blake3::keyed_hash(&self.nonce_key, plain);
        let mut nonce = [0u8; 24];
        nonce.copy_from_slice(&nonce_full.as_bytes()[..24]);
        let mut aad = id.0.to_vec();
        if let Some(b) = base {
            aad.extend_from_slice(&b.0);
        }
        let cipher = XChaCha20Poly1305::new((&*self.enc_key).into());
        let ct = cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: packed, aad: &aad })
            .map_err(|_| OpenError::Auth)?;
        let mut out = Vec::with_capacity(DELTA_HEADER + ct.len());
        out.extend_from_slice(MAGIC);
        match base {
            Some(b) => {
                out.push(DELTA_VERSION);
                out.extend_from_slice(&b.0);
            }
            None => out.push(SEAL_VERSION),
        }
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Decrypt, decompress and check a stored chunk against its address.
    /// Delta chunks need their base's plaintext in `base_plain`.
    pub fn open(&self, id: &ChunkId, sealed: &[u8], base_plain: Option<&[u8]>) -> Result<Vec<u8>, OpenError> {
        let base = base_of(sealed);
        let header = if base.is_some() { DELTA_HEADER } else { HEADER };
        if sealed.len() < header || &sealed[..4] != MAGIC || (base.is_none() && sealed[4] != SEAL_VERSION) {
            return Err(OpenError::BadHeader);
        }
        let nonce = XNonce::try_from(&sealed[header - 24..header]).map_err(|_| OpenError::BadHeader)?;
        let mut aad = id.0.to_vec();
        if let Some(b) = &base {
            aad.extend_from_slice(&b.0);
        }
        let cipher = XChaCha20Poly1305::new((&*self.enc_key).into());
        let packed = cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: &sealed[header..],
                    aad: &aad,
                },
            )
            .map_err(|_| OpenError::Auth)?;
        let plain = match base {
            None => {
                let mut plain = Vec::new();
                zstd::stream::copy_decode(packed.as_slice(), &mut plain).map_err(|e| OpenError::Zstd(e.to_string()))?;
                plain
            }
            Some(_) => {
                let dict = base_plain.ok_or(OpenError::NeedsBase)?;
                let cap = zstd::bulk::Decompressor::upper_bound(&packed).unwrap_or(16 << 20);
                zstd::bulk::Decompressor::with_dictionary(dict)
                    .and_then(|mut d| d.decompress(&packed, cap))
                    .map_err(|e| OpenError::Zstd(e.to_string()))?
            }
        };
        if self.address(&plain) != *id {
            return Err(OpenError::Mismatch);
        }
        Ok(plain)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn key(b: u8) -> BackupKey {
        BackupKey::from_bytes(&[b; 32])
    }

    #[test]
    fn seal_open_round_trip_and_is_deterministic() {
        let k = key(1);
        let plain = b"some rows some rows some rows".repeat(10);
        let (id1, s1) = k.seal(&plain).unwrap();
        let (id2, s2) = k.seal(&plain).unwrap();
        assert_eq!(id1, id2);
        assert_eq!(s1, s2, "identical chunks must be identical on disk");
        assert_eq!(k.open(&id1, &s1, None).unwrap(), plain);
        let (id3, s3) = k.seal(b"other").unwrap();
        assert_ne!(id1, id3);
        assert_ne!(s1[5..29], s3[5..29], "different content gets a different nonce");
    }

    #[test]
    fn wrong_key_tamper_and_swap_are_detected() {
        let k = key(1);
        let (id, sealed) = k.seal(b"hello world").unwrap();
        assert_eq!(key(2).open(&id, &sealed, None), Err(OpenError::Auth));
        let mut bad = sealed.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(k.open(&id, &bad, None), Err(OpenError::Auth));
        let (other, _) = k.seal(b"another").unwrap();
        assert_eq!(k.open(&other, &sealed, None), Err(OpenError::Auth));
        assert_eq!(k.open(&id, b"junk", None), Err(OpenError::BadHeader));
    }

    #[test]
    fn delta_chunks_are_small_and_need_their_base() {
        let k = key(1);
        let base_plain: Vec<u8> = (0..2000u32)
            .flat_map(|i| format!("row {i} some text {}\n", i * 7).into_bytes())
            .collect();
        let mut changed = base_plain.clone();
        changed[5000] = b'X';
        let (base_id, base_sealed) = k.seal(&base_plain).unwrap();
        let (id, full) = k.seal(&changed).unwrap();
        let (id2, delta) = k.seal_delta(&changed, &base_id, &base_plain).unwrap();
        assert_eq!(id, id2, "the address does not depend on how it is stored");
        assert!(
            delta.len() * 10 < full.len(),
            "delta {} vs full {}",
            delta.len(),
            full.len()
        );
        assert_eq!(base_of(&delta), Some(base_id));
        assert_eq!(base_of(&base_sealed), None);
        assert_eq!(k.open(&id, &delta, None), Err(OpenError::NeedsBase));
        assert_eq!(k.open(&id, &delta, Some(&base_plain)).unwrap(), changed);
        assert!(k.open(&id, &delta, Some(b"wrong base")).is_err());
    }

    #[test]
    fn address_is_keyed_and_fingerprints_differ() {
        assert_ne!(key(1).address(b"x"), key(2).address(b"x"));
        assert_ne!(key(1).fingerprint(), key(2).fingerprint());
        let hex = BackupKey::generate();
        assert_eq!(hex.len(), 64);
        assert!(BackupKey::from_hex(&hex).is_some());
        assert!(BackupKey::from_hex("abc").is_none());
    }
}
