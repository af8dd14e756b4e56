//! A small static file server for `dist/`: the playground is static files, and browsers need
//! `application/wasm` for streaming compilation. Loopback only; GET and HEAD only; paths are confined to
//! the served directory.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::thread;
use std::time::Duration;

/// Longest request head we read before answering 431; a browser's is well under this.
const MAX_REQUEST_HEAD_BYTES: usize = 16 * 1024;

/// A server running on a background thread (it lives until the process exits).
pub struct Running {
    /// The port it listens on (127.0.0.1).
    pub port: u16,
}

/// Serves `dir` on 127.0.0.1:`port` in the foreground, printing the URL.
pub fn serve_forever(dir: &Path, port: u16) -> Result<(), String> {
    let listener = bind(dir, port)?;
    println!("\nSamsa playground: http://127.0.0.1:{port}/  (serving {}; Ctrl-C to stop)", dir.display());
    accept_loop(listener, dir.to_path_buf());
    Ok(())
}

/// Serves `dir` on a free loopback port from a background thread.
pub fn spawn(dir: &Path) -> Result<Running, String> {
    let listener = bind(dir, 0)?;
    let port = listener.local_addr().map_err(|e| format!("local address: {e}"))?.port();
    let dir = dir.to_path_buf();
    thread::spawn(move || accept_loop(listener, dir));
    Ok(Running { port })
}

fn bind(dir: &Path, port: u16) -> Result<TcpListener, String> {
    if !dir.join("index.html").is_file() {
        return Err(format!("{} has no index.html: build the playground first", dir.display()));
    }
    TcpListener::bind(("127.0.0.1", port)).map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))
}

fn accept_loop(listener: TcpListener, dir: PathBuf) {
    for stream in listener.incoming().flatten() {
        let dir = dir.clone();
        thread::spawn(move || {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = handle(stream, &dir);
        });
    }
}

fn handle(mut stream: TcpStream, dir: &Path) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut head_bytes = request_line.len();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line)?;
        head_bytes += n;
        if n == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if head_bytes > MAX_REQUEST_HEAD_BYTES {
            return respond(
                &mut stream,
                "431 Request Header Fields Too Large",
                "text/plain",
                b"too large",
                true,
            );
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let head_only = method == "HEAD";
    if method != "GET" && !head_only {
        return respond(&mut stream, "405 Method Not Allowed", "text/plain", b"GET only", head_only);
    }
    match resolve(dir, target) {
        Some(path) => match std::fs::read(&path) {
            Ok(body) => respond(&mut stream, "200 OK", mime(&path), &body, head_only),
            Err(_) => respond(&mut stream, "404 Not Found", "text/plain", b"not found", head_only),
        },
        None => respond(&mut stream, "404 Not Found", "text/plain", b"not found", head_only),
    }
}

/// Maps a request target to a file under `dir`; None for anything that would leave it.
fn resolve(dir: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let mut out = dir.to_path_buf();
    for component in Path::new(path.trim_start_matches('/')).components() {
        match component {
            Component::Normal(c) => out.push(c),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if out.is_dir() {
        out.push("index.html");
    }
    out.is_file().then_some(out)
}

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "toml" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "jsonl" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
    head_only: bool,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn refuses_paths_outside_the_served_dir() {
        let dir = std::env::temp_dir().join(format!("samsa-serve-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "x").unwrap();
        assert_eq!(resolve(&dir, "/"), Some(dir.join("index.html")));
        assert_eq!(resolve(&dir, "/index.html?x=1"), Some(dir.join("index.html")));
        assert_eq!(resolve(&dir, "/../etc/passwd"), None);
        assert_eq!(resolve(&dir, "/missing.js"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
