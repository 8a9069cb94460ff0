//! A real virus scanner for the attachment tests: Debian's clamd (`clamav-daemon`, installed
//! by scripts/install-test-deps) with a throwaway configuration and, instead of the virus
//! database (a download of hundreds of MB), one signature of our own: the EICAR test file's
//! MD5, which is how `ClamAV`'s own `.hdb` databases name files. Stopped when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The EICAR anti-virus test file (harmless; every scanner calls it a virus).
pub const EICAR: &[u8] = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/// The name the test signature reports (clamd adds `.UNOFFICIAL` to a database of one's own).
pub const SIGNATURE: &str = "Leitstand-Test.EICAR.UNOFFICIAL";

pub struct Clamd {
    child: Child,
    dir: PathBuf,
    pub socket: PathBuf,
}

impl Clamd {
    pub async fn start() -> Clamd {
        let binary = "/usr/sbin/clamd";
        assert!(
            std::path::Path::new(binary).exists(),
            "clamd is missing: run scripts/install-test-deps (clamav-daemon)"
        );
        let dir = std::env::temp_dir().join(format!("leitstand-clamd-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(dir.join("db")).unwrap();
        let md5 = {
            let out = Command::new("md5sum")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .and_then(|mut c| {
                    use std::io::Write;
                    c.stdin.take().unwrap().write_all(EICAR)?;
                    c.wait_with_output()
                })
                .unwrap();
            String::from_utf8(out.stdout).unwrap()[..32].to_owned()
        };
        std::fs::write(
            dir.join("db/leitstand-test.hdb"),
            format!("{md5}:{}:Leitstand-Test.EICAR\n", EICAR.len()),
        )
        .unwrap();
        let socket = dir.join("clamd.sock");
        let d = dir.display();
        std::fs::write(
            dir.join("clamd.conf"),
            format!(
                "Foreground yes\nDatabaseDirectory {d}/db\nLocalSocket {}\nLogFile {d}/clamd.log\n\
                 PidFile {d}/clamd.pid\nStreamMaxLength 30M\n",
                socket.display()
            ),
        )
        .unwrap();
        let mut child = Command::new(binary)
            .arg("-c")
            .arg(dir.join("clamd.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..600 {
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "clamd exited ({status}): {}",
                    std::fs::read_to_string(dir.join("clamd.log")).unwrap_or_default()
                );
            }
            if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
                return Clamd { child, dir, socket };
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "clamd did not start: {}",
            std::fs::read_to_string(dir.join("clamd.log")).unwrap_or_default()
        );
    }
}

impl Drop for Clamd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
