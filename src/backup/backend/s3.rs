//! A repository in an S3-compatible object store (AWS S3, MinIO, Ceph,
//! moto...) through the object_store crate.
//!
//! URL: `s3://BUCKET[/PREFIX][?endpoint=URL&region=REGION]`. Credentials
//! come from the usual AWS environment variables (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`...) or, when those are unset, from the credentials the
//! caller found in the secret store. A custom endpoint implies path-style
//! requests; `http://` endpoints are allowed only when named explicitly.

use super::{Backend, Listed};
use crate::backup::{BackupError, BackupResult};
use async_trait::async_trait;
use futures::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::sync::Arc;

/// A parsed `s3://` repository URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    /// Bucket name.
    pub bucket: String,
    /// Key prefix inside the bucket (no leading or trailing slash; may be empty).
    pub prefix: String,
    /// Endpoint URL for non-AWS stores.
    pub endpoint: Option<String>,
    /// Region.
    pub region: Option<String>,
}

impl S3Location {
    /// Parse `s3://bucket/prefix?endpoint=...&region=...`.
    pub fn parse(url: &str) -> BackupResult<S3Location> {
        let bad = |why: &str| {
            BackupError::Unsupported(format!(
                "'{url}' is not a repository URL: {why} (expected s3://BUCKET/PREFIX, optionally ?endpoint=URL&region=REGION)"
            ))
        };
        let u = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
        if u.scheme() != "s3" {
            return Err(bad("the scheme must be s3"));
        }
        let bucket = u.host_str().filter(|h| !h.is_empty()).ok_or_else(|| bad("no bucket"))?;
        let mut loc = S3Location {
            bucket: bucket.to_string(),
            prefix: u.path().trim_matches('/').to_string(),
            endpoint: None,
            region: None,
        };
        for (k, v) in u.query_pairs() {
            match k.as_ref() {
                "endpoint" => loc.endpoint = Some(v.to_string()),
                "region" => loc.region = Some(v.to_string()),
                other => return Err(bad(&format!("unknown option '{other}'"))),
            }
        }
        Ok(loc)
    }

    /// The URL without options, for messages.
    pub fn display(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

/// Access key and secret found in the secret store.
#[derive(Clone)]
pub struct S3Credentials {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: zeroize::Zeroizing<String>,
}

/// Objects in a bucket, below a prefix.
pub struct S3Backend {
    store: Arc<AmazonS3>,
    loc: S3Location,
}

fn s3_error(loc: &S3Location, what: &str, e: object_store::Error) -> BackupError {
    BackupError::Unsupported(format!(
        "repository {}: cannot {what}: {e}; check the bucket, the endpoint and the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or `dbn backup repo login`)",
        loc.display()
    ))
}

impl S3Backend {
    /// Connect to the bucket (nothing is sent until the first request).
    /// `stored` are credentials from the secret store, used when the AWS
    /// environment variables do not name any.
    pub fn open(loc: S3Location, stored: Option<S3Credentials>) -> BackupResult<S3Backend> {
        // reqwest is built without a bundled crypto provider: use ring, as
        // the rest of dbn's TLS does. Installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut b = AmazonS3Builder::from_env().with_bucket_name(&loc.bucket);
        let env_creds = std::env::var("AWS_ACCESS_KEY_ID").is_ok_and(|v| !v.is_empty());
        if !env_creds && let Some(c) = stored {
            b = b
                .with_access_key_id(c.access_key_id)
                .with_secret_access_key(c.secret_access_key.as_str());
        }
        if let Some(r) = &loc.region {
            b = b.with_region(r);
        } else if std::env::var("AWS_REGION").is_err() && std::env::var("AWS_DEFAULT_REGION").is_err() {
            b = b.with_region("us-east-1");
        }
        if let Some(e) = &loc.endpoint {
            b = b
                .with_endpoint(e)
                .with_allow_http(e.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        let store = b.build().map_err(|e| s3_error(&loc, "open the bucket", e))?;
        Ok(S3Backend {
            store: Arc::new(store),
            loc,
        })
    }

    fn key(&self, path: &str) -> Path {
        if self.loc.prefix.is_empty() {
            Path::from(path)
        } else {
            Path::from(format!("{}/{path}", self.loc.prefix))
        }
    }

    fn relative(&self, p: &Path) -> String {
        let s = p.as_ref();
        if self.loc.prefix.is_empty() {
            s.to_string()
        } else {
            s.strip_prefix(&format!("{}/", self.loc.prefix))
                .unwrap_or(s)
                .to_string()
        }
    }
}

#[async_trait]
impl Backend for S3Backend {
    async fn put(&self, path: &str, bytes: Vec<u8>) -> BackupResult<()> {
        self.store
            .put(&self.key(path), PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(|e| s3_error(&self.loc, &format!("write {path}"), e))
    }

    async fn get(&self, path: &str) -> BackupResult<Option<Vec<u8>>> {
        match self.store.get(&self.key(path)).await {
            Ok(r) => r
                .bytes()
                .await
                .map(|b| Some(b.to_vec()))
                .map_err(|e| s3_error(&self.loc, &format!("read {path}"), e)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(s3_error(&self.loc, &format!("read {path}"), e)),
        }
    }

    async fn exists(&self, path: &str) -> BackupResult<bool> {
        match self.store.head(&self.key(path)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(s3_error(&self.loc, &format!("look up {path}"), e)),
        }
    }

    async fn list(&self, prefix: &str) -> BackupResult<Vec<Listed>> {
        let p = self.key(prefix);
        let mut stream = self.store.list(Some(&p));
        let mut out = Vec::new();
        while let Some(m) = stream.next().await {
            let m = m.map_err(|e| s3_error(&self.loc, &format!("list {prefix}"), e))?;
            out.push(Listed {
                path: self.relative(&m.location),
                size: m.size,
                modified: m.last_modified.timestamp(),
            });
        }
        Ok(out)
    }

    async fn delete(&self, path: &str) -> BackupResult<()> {
        match self.store.delete(&self.key(path)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(s3_error(&self.loc, &format!("delete {path}"), e)),
        }
    }

    fn describe(&self) -> String {
        self.loc.display()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse() {
        let l = S3Location::parse("s3://b/some/prefix/?endpoint=http://127.0.0.1:9000&region=eu-west-1").unwrap();
        assert_eq!(l.bucket, "b");
        assert_eq!(l.prefix, "some/prefix");
        assert_eq!(l.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(l.display(), "s3://b/some/prefix");
        assert!(S3Location::parse("http://b/x").is_err());
        assert!(S3Location::parse("s3://b?nope=1").is_err());
        assert_eq!(S3Location::parse("s3://b").unwrap().prefix, "");
    }
}
