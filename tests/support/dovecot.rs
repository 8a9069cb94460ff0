//! A real IMAP server for the mail tests: Debian's Dovecot (`dovecot-imapd`, installed by
//! scripts/install-test-deps) with a throwaway configuration in a temporary directory, one
//! user, a certificate from a throwaway CA made with `openssl`, IMAP with STARTTLS and IMAPS on
//! ports of their own. Stopped and removed when dropped.

use std::path::PathBuf;
use std::process::Command;

pub struct Dovecot {
    pub dir: PathBuf,
    /// IMAP (STARTTLS offered).
    pub port: u16,
    /// IMAPS.
    pub tls_port: u16,
    pub user: &'static str,
    pub password: &'static str,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn run(command: &mut Command) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The user mail is kept as: root cannot be Dovecot's mail user, so as root the package's
/// `dovecot` user; anyone else as themselves.
fn mail_user() -> (String, Option<String>) {
    let id = |flag: &str| {
        let out = Command::new("id").arg(flag).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    if id("-u") == "0" {
        ("dovecot".to_owned(), None)
    } else {
        (id("-un"), Some(id("-un")))
    }
}

impl Dovecot {
    pub fn start() -> Dovecot {
        let binary = "/usr/sbin/dovecot";
        assert!(
            std::path::Path::new(binary).exists(),
            "Dovecot is missing: run scripts/install-test-deps (dovecot-imapd)"
        );
        let (port, tls_port) = (free_port(), free_port());
        let dir =
            std::env::temp_dir().join(format!("leitstand-dovecot-{port}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let d = dir.display();
        // A CA of the test's own and the server's certificate signed by it (webpki refuses
        // a self-signed certificate as the server's own).
        let openssl = |args: &str| {
            run(Command::new("openssl")
                .current_dir(&dir)
                .args(args.split(' ')));
        };
        openssl(
            "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=Leitstand-test-CA \
             -keyout ca.key -out ca.pem -addext basicConstraints=critical,CA:TRUE \
             -addext keyUsage=critical,keyCertSign",
        );
        openssl("req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout key.pem -out server.csr");
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
             extendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(
            "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
             -out cert.pem -extfile server.ext",
        );
        std::fs::write(dir.join("passwd"), "desk:{PLAIN}geheim-123::::::\n").unwrap();
        let (user, own) = mail_user();
        run(Command::new("chown")
            .arg("-R")
            .arg(&user)
            .arg(dir.join("mail")));
        // Not root: every Dovecot process runs as this user.
        let own_users = own.map_or_else(String::new, |u| {
            format!("default_login_user = {u}\ndefault_internal_user = {u}\n")
        });
        let config = format!(
            "base_dir = {d}/run\nstate_dir = {d}/state\nlog_path = {d}/log\n\
             instance_name = leitstand-test-{port}\nprotocols = imap\nlisten = 127.0.0.1\n\
             ssl = yes\nssl_cert = <{d}/cert.pem\nssl_key = <{d}/key.pem\n\
             disable_plaintext_auth = no\nauth_mechanisms = plain login\nfirst_valid_uid = 0\n\
             mail_location = maildir:{d}/mail/%u\n{own_users}\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN {d}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = uid={user} gid={user} home={d}/mail/%u\n}}\n\
             service imap-login {{\n  chroot =\n  inet_listener imap {{\n    port = {port}\n  }}\n\
               inet_listener imaps {{\n    port = {tls_port}\n    ssl = yes\n  }}\n}}\n\
             service anvil {{\n  chroot =\n}}\n"
        );
        std::fs::write(dir.join("dovecot.conf"), config).unwrap();
        // It forks into the background, its processes keeping whatever output they were
        // given: none, so nothing waits for them to close it (the log is a file).
        let started = Command::new(binary)
            .arg("-c")
            .arg(dir.join("dovecot.conf"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(started.success(), "dovecot: {started}");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", tls_port)).is_ok()
                && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            {
                return Dovecot {
                    dir,
                    port,
                    tls_port,
                    user: "desk",
                    password: "geheim-123",
                };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!(
            "Dovecot did not start: {}",
            std::fs::read_to_string(dir.join("log")).unwrap_or_default()
        );
    }

    /// The certificate the test trusts (as `LEITSTAND_IMAP_CA` would).
    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// Signed in as the user, over plain IMAP on loopback.
    async fn session(&self) -> async_imap::Session<tokio::net::TcpStream> {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .unwrap();
        let mut client = async_imap::Client::new(tcp);
        client.read_response().await.unwrap();
        client
            .login(self.user, self.password)
            .await
            .map_err(|(e, _)| e)
            .unwrap()
    }

    /// Puts a message into the user's INBOX over IMAP (APPEND), as a mail server delivering
    /// it would.
    pub async fn deliver(&self, raw: &str) {
        let mut session = self.session().await;
        session.append("INBOX", None, None, raw).await.unwrap();
        session.logout().await.unwrap();
    }

    /// Marks every message in the INBOX unseen again (as if the flags were lost).
    pub async fn mark_all_unseen(&self) {
        use futures_util::TryStreamExt;
        let mut session = self.session().await;
        session.select("INBOX").await.unwrap();
        let _: Vec<_> = session
            .store("1:*", "-FLAGS.SILENT (\\Seen)")
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        session.logout().await.unwrap();
    }

    /// How many of the INBOX's messages are unseen.
    pub async fn unseen(&self) -> usize {
        let mut session = self.session().await;
        session.select("INBOX").await.unwrap();
        let unseen = session.uid_search("UNSEEN").await.unwrap().len();
        session.logout().await.unwrap();
        unseen
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.join("run/master.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
