//! A real S3 server for the attachment tests: moto's server (`moto[server]` from `PyPI`,
//! installed by scripts/install-test-deps), on a port of its own, with one bucket. Stopped
//! when dropped.

use std::process::{Child, Command, Stdio};

pub struct Moto {
    child: Child,
    pub port: u16,
    pub bucket: String,
}

impl Moto {
    pub async fn start() -> Moto {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut tried = Vec::new();
        let mut child = None;
        for python in ["python3", "/usr/bin/python3"] {
            match Command::new(python)
                .args([
                    "-m",
                    "moto.server",
                    "-H",
                    "127.0.0.1",
                    "-p",
                    &port.to_string(),
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
            {
                Ok(c) => {
                    child = Some(c);
                    break;
                }
                Err(e) => tried.push(format!("{python}: {e}")),
            }
        }
        let mut child = child.unwrap_or_else(|| {
            panic!("moto is missing: run scripts/install-test-deps ({tried:?})")
        });
        let moto = crate::support::client_builder().build().unwrap();
        let bucket = format!("leitstand-{port}");
        for _ in 0..200 {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("moto's server exited ({status}): run scripts/install-test-deps");
            }
            if let Ok(res) = moto
                .put(format!("http://127.0.0.1:{port}/{bucket}"))
                .send()
                .await
            {
                assert!(res.status().is_success(), "creating the bucket: {res:?}");
                return Moto {
                    child,
                    port,
                    bucket,
                };
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("moto's server did not start on port {port}");
    }

    /// The settings Leitstand reaches it with (as the `AWS_*` variables would say).
    pub fn options(&self) -> Vec<(&'static str, String)> {
        vec![
            ("aws_endpoint", format!("http://127.0.0.1:{}", self.port)),
            ("aws_allow_http", "true".to_owned()),
            ("aws_region", "us-east-1".to_owned()),
            ("aws_access_key_id", "testing".to_owned()),
            ("aws_secret_access_key", "testing".to_owned()),
        ]
    }

    /// The keys of the bucket's objects under `prefix`, with their sizes (moto answers
    /// `ListObjectsV2` unsigned).
    pub async fn objects(&self, prefix: &str) -> Vec<(String, usize)> {
        let body = crate::support::client_builder()
            .build()
            .unwrap()
            .get(format!(
                "http://127.0.0.1:{}/{}?list-type=2&prefix={prefix}",
                self.port, self.bucket
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let between = |text: &str, tag: &str| -> String {
            let open = format!("<{tag}>");
            let close = format!("</{tag}>");
            text.split_once(&open)
                .and_then(|(_, rest)| rest.split_once(&close))
                .map(|(value, _)| value.to_owned())
                .unwrap_or_default()
        };
        let mut objects: Vec<(String, usize)> = body
            .split("<Contents>")
            .skip(1)
            .map(|item| {
                (
                    between(item, "Key"),
                    between(item, "Size").parse().unwrap_or(0),
                )
            })
            .collect();
        objects.sort();
        objects
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
