//! Attachments' content in an S3-compatible bucket (AWS S3, `MinIO`, Ceph, Garage, ...): one
//! object per blob, `<prefix>/<blob id>`. The blob's row says which content (SHA-256) it
//! holds, as for content in PostgreSQL, so an upload goes straight to its final name and is
//! never copied; an upload of content stored already deletes its object again.
//!
//! An upload is streamed in parts of `PART` bytes (S3's smallest but the last), one at a time:
//! the next part is not read from the client before the last is stored, so an upload holds
//! one part (5 MiB) whatever the file's size; a small file is one `PUT`.

use std::sync::Arc;

use axum::body::Bytes;
use futures_util::{Stream, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use uuid::Uuid;

/// The size of an upload's parts, and of the buffer a small file goes up from at once.
const PART: usize = 5 * 1024 * 1024;

/// A bucket and a prefix in it.
#[derive(Clone)]
pub struct Bucket {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    url: String,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// `s3://bucket/prefix` as bucket and prefix; an error names what is wrong.
pub fn parse_url(text: &str) -> Result<(String, String), String> {
    let url = url::Url::parse(text).map_err(|e| format!("{text}: {e}"))?;
    if url.scheme() != "s3" {
        return Err(format!(
            "{text}: not an s3:// URL (s3://bucket or s3://bucket/prefix)"
        ));
    }
    let bucket = url.host_str().unwrap_or_default();
    if bucket.is_empty() {
        return Err(format!("{text}: names no bucket (s3://bucket/prefix)"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(format!(
            "{text}: only s3://bucket/prefix; credentials go in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        ));
    }
    Ok((bucket.to_owned(), url.path().trim_matches('/').to_owned()))
}

impl Bucket {
    /// The bucket of `s3://bucket/prefix`, reached with the standard `AWS_*` variables
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT` for a store
    /// other than AWS, `AWS_ALLOW_HTTP` for one without TLS, ...).
    pub fn from_env(url: &str) -> anyhow::Result<Bucket> {
        Bucket::build(AmazonS3Builder::from_env(), url)
    }

    /// The same with the settings given (`aws_endpoint`, `aws_access_key_id`, ...: the keys
    /// of `object_store::aws::AmazonS3ConfigKey`) instead of the environment's.
    pub fn with_options(url: &str, options: &[(&str, &str)]) -> anyhow::Result<Bucket> {
        let mut builder = AmazonS3Builder::new();
        for (key, value) in options {
            builder = builder.with_config(key.parse()?, *value);
        }
        Bucket::build(builder, url)
    }

    fn build(builder: AmazonS3Builder, url: &str) -> anyhow::Result<Bucket> {
        crate::http::install_crypto_provider();
        let (bucket, prefix) = parse_url(url).map_err(anyhow::Error::msg)?;
        let store = builder
            .with_bucket_name(&bucket)
            .build()
            .map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
        Ok(Bucket {
            store: Arc::new(store),
            prefix: Path::from(prefix),
            url: url.to_owned(),
        })
    }

    /// The bucket's URL, for messages.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn object(&self, blob: Uuid) -> Path {
        self.prefix.clone().join(blob.to_string())
    }

    /// A writer for a blob's content.
    pub fn writer(&self, blob: Uuid) -> BufWriter {
        BufWriter::with_capacity(Arc::clone(&self.store), self.object(blob), PART)
            .with_max_concurrency(1)
    }

    /// A blob's content, as a stream.
    pub async fn read(
        &self,
        blob: Uuid,
    ) -> anyhow::Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + use<>> {
        let path = self.object(blob);
        let got = self
            .store
            .get(&path)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {path}: {e}", self.url))?;
        Ok(got.into_stream().map_err(std::io::Error::other))
    }

    /// Deletes a blob's content (gone already is as good).
    pub async fn delete(&self, blob: Uuid) -> anyhow::Result<()> {
        let path = self.object(blob);
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(anyhow::anyhow!("{}: {path}: {e}", self.url)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_url;

    #[test]
    fn a_bucket_url_is_bucket_and_prefix_and_nothing_else() {
        assert_eq!(
            parse_url("s3://desk-files/leitstand/prod/").unwrap(),
            ("desk-files".to_owned(), "leitstand/prod".to_owned())
        );
        assert_eq!(
            parse_url("s3://desk-files").unwrap(),
            ("desk-files".to_owned(), String::new())
        );
        for wrong in [
            "https://desk-files/x",
            "s3:///x",
            "s3://key:secret@desk-files/x",
            "s3://desk-files/x?region=eu",
            "desk-files",
        ] {
            assert!(parse_url(wrong).is_err(), "{wrong}");
        }
    }
}
