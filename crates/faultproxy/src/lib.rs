//! A TCP proxy that breaks the line between a client and a server on
//! purpose, for tests: it holds answers back, resets connections after the
//! request got through, cuts answers off halfway, or lets nothing through.
//!
//! It speaks TCP, not HTTP, and knows only this much of HTTP/1.1: a request
//! goes up, then its answer comes down. The first bytes that come down after
//! a request are an *answer*, and the fault in force then decides its fate.
//! Every fault that fires is counted, so a test can show that it did.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use riskdesk_faultproxy::{Fault, FaultProxy};
//!
//! let proxy = FaultProxy::start("127.0.0.1:8640".parse().unwrap()).await?;
//! proxy.set(Fault::ResetAnswers).await?; // until told otherwise
//! proxy.set_for(Fault::TruncateAnswers, 1).await?; // the next answer only
//! proxy.set(Fault::Down).await?; // the port refuses connections
//! println!("{} {:?}", proxy.url(), proxy.counts());
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What happens to the answers (and, when down, to everything).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Everything passes.
    None,
    /// Each answer is held this long before it passes.
    Latency(Duration),
    /// Each answer is held until the fault changes: a test asserts what the
    /// client does meanwhile without racing a clock.
    Hold,
    /// The request reaches the server; its answer does not: the client's
    /// connection is reset instead.
    ResetAnswers,
    /// The answer's headers and half of the body that came with them pass,
    /// then the connection closes.
    TruncateAnswers,
    /// The server is gone, as far as the client can tell: the port refuses
    /// connections and the open ones are reset.
    Down,
}

/// How many answers passed untouched, and how many each fault took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: u32,
    pub delayed: u32,
    pub reset: u32,
    pub truncated: u32,
}

/// A running proxy; it stops when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    server: SocketAddr,
    state: Shared,
    /// Tells the open connections that the proxy went down.
    down: watch::Sender<bool>,
    /// The task that accepts connections; none while down.
    accepting: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Debug)]
struct State {
    fault: Fault,
    /// Answers left before the fault ends by itself (`None`: until changed).
    remaining: Option<u32>,
    counts: Counts,
}

impl State {
    /// The fault that decides the next answer's fate, counted.
    fn answer(&mut self) -> Fault {
        let fault = self.fault;
        if let Some(left) = self.remaining.as_mut() {
            *left = left.saturating_sub(1);
            if *left == 0 {
                self.fault = Fault::None;
                self.remaining = None;
            }
        }
        match fault {
            Fault::None | Fault::Down => self.counts.passed += 1,
            Fault::Latency(_) | Fault::Hold => self.counts.delayed += 1,
            Fault::ResetAnswers => self.counts.reset += 1,
            Fault::TruncateAnswers => self.counts.truncated += 1,
        }
        fault
    }
}

type Shared = Arc<Mutex<State>>;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panicking connection task leaves nothing half-changed behind.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl FaultProxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `server`.
    pub async fn start(server: SocketAddr) -> std::io::Result<FaultProxy> {
        let listener = listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let proxy = FaultProxy {
            addr: listener.local_addr()?,
            server,
            state: Arc::new(Mutex::new(State {
                fault: Fault::None,
                remaining: None,
                counts: Counts::default(),
            })),
            down: watch::channel(false).0,
            accepting: Mutex::new(None),
        };
        proxy.accept(listener);
        Ok(proxy)
    }

    /// `http://127.0.0.1:<port>`: where the client goes instead of the server.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// This fault from now on, until changed. Going down returns once the
    /// port refuses connections; coming up, once it accepts them again.
    pub async fn set(&self, fault: Fault) -> std::io::Result<()> {
        self.apply(fault, None).await
    }

    /// This fault for the next `answers` answers, then none.
    pub async fn set_for(&self, fault: Fault, answers: u32) -> std::io::Result<()> {
        self.apply(fault, Some(answers.max(1))).await
    }

    pub fn counts(&self) -> Counts {
        lock(&self.state).counts
    }

    async fn apply(&self, fault: Fault, remaining: Option<u32>) -> std::io::Result<()> {
        let was_down = {
            let mut state = lock(&self.state);
            let was_down = state.fault == Fault::Down;
            state.fault = fault;
            state.remaining = remaining;
            was_down
        };
        let down = fault == Fault::Down;
        self.down.send_replace(down);
        if down && !was_down {
            let accepting = lock(&self.accepting).take();
            if let Some(task) = accepting {
                task.abort();
                // Its end drops the listener: from here on, refused.
                let _ = task.await;
            }
        }
        if was_down && !down {
            self.accept(listen(self.addr)?);
        }
        Ok(())
    }

    fn accept(&self, listener: TcpListener) {
        let (server, state, down) = (self.server, self.state.clone(), self.down.subscribe());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, server, state.clone(), down.clone()));
            }
        });
        *lock(&self.accepting) = Some(task);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.accepting).take() {
            task.abort();
        }
        self.down.send_replace(true);
    }
}

/// A listener on `addr`, which may be the port a listener of ours held
/// before (its connections may linger in TIME_WAIT).
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(128)
}

/// Closes a connection with a reset (RST) rather than an orderly close.
fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

/// How a connection ended, from the proxy's side.
enum End {
    Closed,
    Reset,
}

/// Carries one client connection to the server and back, applying the
/// fault in force to each answer.
async fn relay(
    mut client: TcpStream,
    server: SocketAddr,
    state: Shared,
    down: watch::Receiver<bool>,
) {
    let Ok(mut upstream) = TcpStream::connect(server).await else {
        reset(client);
        return;
    };
    match carry(&mut client, &mut upstream, &state, down).await {
        End::Reset => reset(client),
        End::Closed => {
            let _ = client.shutdown().await;
        }
    }
}

async fn carry(
    client: &mut TcpStream,
    upstream: &mut TcpStream,
    state: &Shared,
    mut down: watch::Receiver<bool>,
) -> End {
    let (mut from_client, mut to_client) = client.split();
    let (mut from_server, mut to_server) = upstream.split();
    let mut up = vec![0u8; 64 * 1024];
    let mut down_buf = vec![0u8; 64 * 1024];
    // A request went up and no byte of its answer has come down yet.
    let mut awaiting = false;
    // The answer's body had not started in its first piece: cut the next one.
    let mut cut_next = false;
    loop {
        if *down.borrow_and_update() {
            return End::Reset;
        }
        tokio::select! {
            _ = down.changed() => {}
            read = from_client.read(&mut up) => {
                let n = match read { Ok(0) | Err(_) => return End::Closed, Ok(n) => n };
                if to_server.write_all(&up[..n]).await.is_err() {
                    return End::Reset;
                }
                awaiting = true;
            }
            read = from_server.read(&mut down_buf) => {
                let n = match read { Ok(0) | Err(_) => return End::Closed, Ok(n) => n };
                let piece = &down_buf[..n];
                if cut_next {
                    let _ = to_client.write_all(&piece[..n / 2]).await;
                    return End::Closed;
                }
                if awaiting {
                    awaiting = false;
                    let fault = lock(state).answer();
                    match fault {
                        Fault::None | Fault::Down => {}
                        Fault::Latency(wait) => tokio::time::sleep(wait).await,
                        Fault::Hold => {
                            while lock(state).fault == Fault::Hold && !*down.borrow() {
                                tokio::time::sleep(Duration::from_millis(10)).await;
                            }
                        }
                        Fault::ResetAnswers => return End::Reset,
                        Fault::TruncateAnswers => match body_start(piece) {
                            Some(at) if n - at >= 2 => {
                                let _ = to_client.write_all(&piece[..at + (n - at) / 2]).await;
                                return End::Closed;
                            }
                            _ => cut_next = true,
                        },
                    }
                }
                if to_client.write_all(piece).await.is_err() {
                    return End::Reset;
                }
            }
        }
    }
}

/// Where the body starts in an answer's first piece, after its headers.
fn body_start(piece: &[u8]) -> Option<usize> {
    piece
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + 4)
}
