//! A small SMTP server for tests: it speaks enough real SMTP for lettre (greeting, EHLO/HELO, MAIL
//! FROM, RCPT TO, DATA, RSET, NOOP, QUIT), keeps every accepted message, and can be told to
//! answer `451` (try again later) to the next N messages.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// An accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The raw message (headers and body), dot-stuffing removed.
    pub data: String,
}

impl Received {
    /// The decoded `Subject` header.
    pub fn subject(&self) -> String {
        let (headers, _) = split_message(&self.data);
        let mut unfolded: Vec<String> = Vec::new();
        for line in headers.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some(last) = unfolded.last_mut() {
                    last.push_str(line);
                }
            } else {
                unfolded.push(line.to_owned());
            }
        }
        let raw = unfolded
            .iter()
            .find_map(|h| h.strip_prefix("Subject:").or_else(|| h.strip_prefix("subject:")))
            .unwrap_or_default()
            .trim()
            .to_owned();
        decode_encoded_words(&raw)
    }

    /// The decoded plain-text body.
    pub fn body(&self) -> String {
        crate::helpers::decode_mail_body(&self.data)
    }

    /// Whether `address` is among the envelope recipients.
    pub fn is_for(&self, address: &str) -> bool {
        self.to.iter().any(|to| to.eq_ignore_ascii_case(address))
    }
}

fn split_message(data: &str) -> (&str, &str) {
    data.split_once("\r\n\r\n").or_else(|| data.split_once("\n\n")).unwrap_or((data, ""))
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`); whitespace between two
/// encoded words is dropped, as the RFC says.
fn decode_encoded_words(raw: &str) -> String {
    use base64::Engine as _;
    let mut out = String::new();
    let mut rest = raw;
    let mut previous_was_word = false;
    while let Some(start) = rest.find("=?") {
        let between = &rest[..start];
        if !(previous_was_word && between.trim().is_empty()) {
            out.push_str(between);
        }
        let word = &rest[start + 2..];
        let parts: Vec<&str> = word.splitn(3, '?').collect();
        let Some(end) = parts.get(2).and_then(|p| p.find("?=")) else {
            out.push_str(&rest[start..]);
            return out;
        };
        let (encoding, text) = (parts[1], &parts[2][..end]);
        let bytes = if encoding.eq_ignore_ascii_case("b") {
            base64::engine::general_purpose::STANDARD.decode(text).unwrap_or_default()
        } else {
            let text = text.replace('_', " ");
            let mut bytes = Vec::new();
            let raw = text.as_bytes();
            let mut i = 0;
            while i < raw.len() {
                if raw[i] == b'=' {
                    if let Some(b) = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        bytes.push(b);
                        i += 3;
                        continue;
                    }
                }
                bytes.push(raw[i]);
                i += 1;
            }
            bytes
        };
        out.push_str(&String::from_utf8_lossy(&bytes));
        previous_was_word = true;
        rest = &parts[2][end + 2..];
    }
    out.push_str(rest);
    out
}

#[derive(Default)]
struct Inner {
    accepted: Mutex<Vec<Received>>,
    fail_next: AtomicUsize,
    rejected: AtomicUsize,
}

/// A running sink; it stops with the test's runtime.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    inner: Arc<Inner>,
}

impl SmtpSink {
    /// Starts a sink on 127.0.0.1 and a free port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the SMTP sink");
        let port = listener.local_addr().unwrap().port();
        let inner = Arc::new(Inner::default());
        let shared = inner.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let _ = session(stream, &shared).await;
                });
            }
        });
        Self { port, inner }
    }

    /// `smtp://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Answer `451` to the next `n` messages (at the end of DATA).
    pub fn fail_next(&self, n: usize) {
        self.inner.fail_next.store(n, Ordering::SeqCst);
    }

    /// Messages refused with `451` so far.
    pub fn rejected(&self) -> usize {
        self.inner.rejected.load(Ordering::SeqCst)
    }

    /// The accepted messages, in arrival order.
    pub fn messages(&self) -> Vec<Received> {
        self.inner.accepted.lock().unwrap().clone()
    }

    /// The accepted messages once `done` holds for them; panics after 15 seconds.
    pub async fn wait_until(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let messages = self.messages();
            if done(&messages) {
                return messages;
            }
            if tokio::time::Instant::now() > deadline {
                let seen: Vec<(Vec<String>, String)> = messages.iter().map(|m| (m.to.clone(), m.subject())).collect();
                panic!("timed out waiting for {what}; the sink has {seen:#?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The accepted messages to `address`, once there are at least `n`.
    pub async fn wait_for_mails_to(&self, address: &str, n: usize) -> Vec<Received> {
        let what = format!("{n} mail(s) to {address}");
        let all = self.wait_until(&what, |m| m.iter().filter(|m| m.is_for(address)).count() >= n).await;
        all.into_iter().filter(|m| m.is_for(address)).collect()
    }
}

fn address_in(argument: &str) -> String {
    let start = argument.find('<').map_or(0, |i| i + 1);
    let end = argument[start..].find('>').map_or(argument.len(), |i| start + i);
    argument[start..end].trim().to_owned()
}

async fn session(stream: TcpStream, inner: &Inner) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end_matches(['\r', '\n']);
        let verb = command.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.test greets you\r\n250 8BITMIME\r\n",
            "HELO" => b"250 sink.test\r\n",
            "MAIL" => {
                from = address_in(command);
                to.clear();
                b"250 2.1.0 OK\r\n"
            }
            "RCPT" => {
                to.push(address_in(command));
                b"250 2.1.5 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    // Dot-stuffing (RFC 5321 §4.5.2).
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                let fail =
                    inner.fail_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
                let message = Received { from: std::mem::take(&mut from), to: std::mem::take(&mut to), data };
                if fail {
                    inner.rejected.fetch_add(1, Ordering::SeqCst);
                    b"451 4.3.0 Mailbox temporarily unavailable, try again later\r\n"
                } else {
                    inner.accepted.lock().unwrap().push(message);
                    b"250 2.0.0 OK queued\r\n"
                }
            }
            "RSET" => {
                from.clear();
                to.clear();
                b"250 2.0.0 OK\r\n"
            }
            "NOOP" => b"250 2.0.0 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 Command not recognised\r\n",
        };
        write.write_all(reply).await?;
    }
}
