//! `sandbox-bench`: requests per second of the sandbox next to a bare axum route.
//!
//! `bench/run.sh` starts the `ecom-sandbox` binary and `sandbox-bench bare` as two processes on
//! loopback, then runs `sandbox-bench run` against both: the same keep-alive client and
//! concurrency for three scenarios, each bounded in time and count:
//!
//! - `bare`: `POST /` on `Router::new().route("/", post(|| async { "ok" }))`;
//! - `initiate`: `POST /ecomm/v2/payments` with a fresh orderId each time;
//! - `flow`: the quick start per iteration: token, initiate, force approve, capture, details.
//!
//! Bare and initiate alternate in one-second slices (the machine is shared, so load from
//! elsewhere hits both alike). It prints requests/second, the initiate/bare ratio (goal ≥ 0.5)
//! and the peak RSS (`VmHWM`) of the given process ids. A benchmark prints figures; it never
//! fails on them.

// The report on stdout is this program's output.
#![allow(clippy::print_stdout)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::post;
use axum::Router;
use clap::{Parser, Subcommand};
use ecom_core::payment::{
    amount_body, capture_request, details_request, force_approve_body, force_approve_request,
    initiate_request, landing_token, InitiateForm, PaymentKind,
};
use ecom_core::request::ApiRequest;
use ecom_core::settings::Credentials;
use ecom_core::token::access_token_request;
use serde_json::Value;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Throughput benchmark of the sandbox against a bare axum route.
#[derive(Debug, Parser)]
#[command(about)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the bare route `POST /` → "ok" (prints its URL, runs until killed).
    Bare {
        /// Address to listen on (loopback only).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
    },
    /// Run the scenarios and print the figures.
    Run {
        /// Base URL of the running sandbox (rate limits off).
        #[arg(long, env = "BENCH_SANDBOX_URL")]
        sandbox: String,
        /// Base URL of the bare route server.
        #[arg(long, env = "BENCH_BARE_URL")]
        bare: String,
        /// Seconds per scenario.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Concurrent keep-alive client tasks.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Upper bound on requests per scenario, whatever the duration.
        #[arg(long, default_value_t = 2_000_000)]
        max_requests: u64,
        /// Process id of the sandbox, for its peak RSS.
        #[arg(long)]
        sandbox_pid: Option<u32>,
        /// Process id of the bare server, for its peak RSS.
        #[arg(long)]
        bare_pid: Option<u32>,
    },
}

fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match args.command {
        Command::Bare { listen } => rt.block_on(serve_bare(listen)),
        Command::Run {
            sandbox,
            bare,
            seconds,
            concurrency,
            max_requests,
            sandbox_pid,
            bare_pid,
        } => rt.block_on(run(Plan {
            sandbox: sandbox.trim_end_matches('/').to_owned(),
            bare: bare.trim_end_matches('/').to_owned(),
            duration: Duration::from_secs(seconds.clamp(1, 60)),
            concurrency: concurrency.clamp(1, 512),
            max_requests,
            sandbox_pid,
            bare_pid,
        })),
    }
}

async fn serve_bare(listen: SocketAddr) -> Result<(), BoxError> {
    if !listen.ip().is_loopback() {
        return Err(format!("bare server must listen on loopback, not {listen}").into());
    }
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let app = Router::new().route("/", post(|| async { "ok" }));
    axum::serve(listener, app).await?;
    Ok(())
}

struct Plan {
    sandbox: String,
    bare: String,
    duration: Duration,
    concurrency: usize,
    max_requests: u64,
    sandbox_pid: Option<u32>,
    bare_pid: Option<u32>,
}

/// What one scenario measured.
#[derive(Default)]
struct Figures {
    requests: u64,
    units: u64,
    errors: u64,
    elapsed: Duration,
}

impl Figures {
    fn add(&mut self, other: &Self) {
        self.requests += other.requests;
        self.units += other.units;
        self.errors += other.errors;
        self.elapsed += other.elapsed;
    }
    fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
    fn ups(&self) -> f64 {
        self.units as f64 / self.elapsed.as_secs_f64()
    }
}

/// One client's view of the sandbox.
#[derive(Clone)]
struct Ctx {
    http: reqwest::Client,
    base: String,
    token: Arc<String>,
}

impl Ctx {
    /// Sends the app's request `core` for the demo merchant, authorized, and insists on 200.
    async fn send(&self, what: &str, core: &ApiRequest) -> Result<Vec<u8>, BoxError> {
        send(&self.http, &self.base, what, &core.authorized(&self.token)).await
    }
}

/// Sends a core request to `base` as it is and insists on 200; returns the body.
async fn send(
    http: &reqwest::Client,
    base: &str,
    what: &str,
    core: &ApiRequest,
) -> Result<Vec<u8>, BoxError> {
    let request = reqwest::Request::try_from(core.to_http(base)?)?;
    let resp = http.execute(request).await?;
    if resp.status() != 200 {
        return Err(format!("{what} answered {}", resp.status()).into());
    }
    Ok(resp.bytes().await?.to_vec())
}

/// The app's token request with the demo credentials.
async fn fetch_token(http: &reqwest::Client, base: &str) -> Result<String, BoxError> {
    let body = send(
        http,
        base,
        "token request",
        &access_token_request(&Credentials::demo()),
    )
    .await?;
    let v: Value = serde_json::from_slice(&body)?;
    v["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "no access_token in the token response".into())
}

static ORDER: AtomicU64 = AtomicU64::new(0);

fn next_order() -> String {
    format!(
        "bench-{}-{}",
        std::process::id(),
        ORDER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The app's initiate request (the Postman environment's values), built once, with `{ORDER}`
/// as its orderId; it is replaced per request so that the client spends as little CPU as
/// possible (it shares the 2 cores with the server).
fn initiate_template() -> &'static ApiRequest {
    use std::sync::OnceLock;
    static TEMPLATE: OnceLock<ApiRequest> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let c = Credentials::demo();
        let form = InitiateForm {
            order_id: "{ORDER}".to_owned(),
            auth_token: "bench".to_owned(),
            ..InitiateForm::postman_defaults(
                PaymentKind::Regular,
                &c.merchant_serial_number,
                &c.mobile_number,
                0,
            )
        };
        initiate_request(&c, &form.body(&c.merchant_serial_number))
    })
}

/// Initiates a payment; returns its orderId and, if `want_token`, the landing-page token.
async fn initiate(ctx: &Ctx, want_token: bool) -> Result<(String, String), BoxError> {
    let order = next_order();
    let mut core = initiate_template().clone();
    core.body = core.body.map(|b| b.replace("{ORDER}", &order));
    let bytes = ctx.send("initiate", &core).await?;
    if !want_token {
        return Ok((order, String::new()));
    }
    let v: Value = serde_json::from_slice(&bytes)?;
    let url = v["url"].as_str().unwrap_or_default();
    let token = landing_token(url).unwrap_or_default();
    Ok((order, token))
}

/// One quick-start iteration: 5 requests, each as the app builds it.
async fn flow(ctx: &Ctx) -> Result<u64, BoxError> {
    let c = Credentials::demo();
    let msn = &c.merchant_serial_number;
    fetch_token(&ctx.http, &ctx.base).await?;
    let (order, token) = initiate(ctx, true).await?;
    let approve = force_approve_request(
        &c,
        &order,
        &force_approve_body(&c.mobile_number, &token),
        &order,
    );
    ctx.send("approve", &approve).await?;
    let capture = capture_request(&c, &order, &amount_body(msn, None, "bench"), &order);
    ctx.send("capture", &capture).await?;
    ctx.send("details", &details_request(&c, &order)).await?;
    Ok(5)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Bare,
    Initiate,
    Flow,
}

async fn measure(plan: &Plan, ctx: Ctx, scenario: Scenario) -> Figures {
    let requests = Arc::new(AtomicU64::new(0));
    let units = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + plan.duration;
    let max = plan.max_requests;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..plan.concurrency {
        let (ctx, requests, units, errors) = (
            ctx.clone(),
            Arc::clone(&requests),
            Arc::clone(&units),
            Arc::clone(&errors),
        );
        set.spawn(async move {
            while Instant::now() < deadline && requests.load(Ordering::Relaxed) < max {
                let result: Result<u64, BoxError> = match scenario {
                    Scenario::Bare => {
                        async {
                            let r = ctx.http.post(format!("{}/", ctx.base)).send().await?;
                            r.bytes().await?;
                            Ok(1)
                        }
                        .await
                    }
                    Scenario::Initiate => initiate(&ctx, false).await.map(|_| 1),
                    Scenario::Flow => flow(&ctx).await,
                };
                match result {
                    Ok(n) => {
                        requests.fetch_add(n, Ordering::Relaxed);
                        units.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        // Back off a little so a broken server cannot spin the loop.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
        });
    }
    while set.join_next().await.is_some() {}
    Figures {
        requests: requests.load(Ordering::Relaxed),
        units: units.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
        elapsed: start.elapsed(),
    }
}

/// utime + stime of a process, in clock ticks (`/proc/<pid>/stat` fields 14 and 15).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces; the fields after it are plain.
    let rest = stat.rsplit_once(") ")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn delta(before: Option<u64>, after: Option<u64>) -> u64 {
    match (before, after) {
        (Some(b), Some(a)) => a.saturating_sub(b),
        _ => 0,
    }
}

/// Microseconds of server CPU per request, from clock ticks (100 per second on Linux).
fn cpu_us_per_request(ticks: u64, requests: u64) -> f64 {
    ticks as f64 * 10_000.0 / requests.max(1) as f64
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

async fn run(plan: Plan) -> Result<(), BoxError> {
    for url in [&plan.sandbox, &plan.bare] {
        let host = url
            .trim_start_matches("http://")
            .split(['/', ':'])
            .next()
            .unwrap_or_default();
        if !(host == "localhost" || host.starts_with("127.") || host == "[") {
            return Err(format!("benchmarks only target loopback, not {url}").into());
        }
    }
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(plan.concurrency)
        .timeout(Duration::from_secs(10))
        .build()?;
    let token = Arc::new(fetch_token(&http, &plan.sandbox).await?);
    let sandbox = Ctx {
        http: http.clone(),
        base: plan.sandbox.clone(),
        token,
    };
    let bare = Ctx {
        http,
        base: plan.bare.clone(),
        token: Arc::new(String::new()),
    };
    println!(
        "sandbox-bench: {} s per scenario, {} concurrent keep-alive clients, at most {} requests each",
        plan.duration.as_secs(),
        plan.concurrency,
        plan.max_requests
    );
    // Warm-up: connections, allocator, caches.
    let _ = measure(
        &Plan {
            duration: Duration::from_millis(500),
            ..clone_plan(&plan)
        },
        bare.clone(),
        Scenario::Bare,
    )
    .await;
    // Bare and initiate alternate in one-second slices, so a neighbour's load on this shared
    // machine hits both alike; the flow runs after them.
    let slice = Plan {
        duration: Duration::from_secs(1),
        ..clone_plan(&plan)
    };
    let mut b = Figures::default();
    let mut i = Figures::default();
    // Server CPU time per request does not depend on what else the machine is doing.
    let (mut bare_cpu, mut initiate_cpu) = (0u64, 0u64);
    for _ in 0..plan.duration.as_secs().max(1) {
        let before = plan.bare_pid.and_then(cpu_ticks);
        b.add(&measure(&slice, bare.clone(), Scenario::Bare).await);
        bare_cpu += delta(before, plan.bare_pid.and_then(cpu_ticks));
        let before = plan.sandbox_pid.and_then(cpu_ticks);
        i.add(&measure(&slice, sandbox.clone(), Scenario::Initiate).await);
        initiate_cpu += delta(before, plan.sandbox_pid.and_then(cpu_ticks));
    }
    let before = plan.sandbox_pid.and_then(cpu_ticks);
    let f = measure(&plan, sandbox, Scenario::Flow).await;
    let flow_cpu = delta(before, plan.sandbox_pid.and_then(cpu_ticks));
    println!(
        "{:<28} {:>12} {:>12} {:>8}",
        "scenario", "requests/s", "units/s", "errors"
    );
    println!(
        "{:<28} {:>12.0} {:>12.0} {:>8}",
        "bare axum POST /",
        b.rps(),
        b.ups(),
        b.errors
    );
    println!(
        "{:<28} {:>12.0} {:>12.0} {:>8}",
        "sandbox initiate",
        i.rps(),
        i.ups(),
        i.errors
    );
    println!(
        "{:<28} {:>12.0} {:>12.0} {:>8}",
        "sandbox quick-start flow",
        f.rps(),
        f.ups(),
        f.errors
    );
    println!(
        "(flow: units = whole flows of 5 requests: token, initiate, approve, capture, details)"
    );
    let ratio = i.rps() / b.rps().max(1.0);
    println!(
        "initiate / bare ratio: {:.2} (goal >= 0.50: {})",
        ratio,
        if ratio >= 0.5 { "met" } else { "NOT met" }
    );
    println!(
        "flow requests / bare ratio: {:.2}",
        f.rps() / b.rps().max(1.0)
    );
    println!("payments created: {} initiate + {} flows", i.units, f.units);
    if plan.sandbox_pid.is_some() && plan.bare_pid.is_some() {
        println!(
            "server CPU per request: bare {:.1} us, sandbox initiate {:.1} us, sandbox flow {:.1} us (10 ms tick resolution)",
            cpu_us_per_request(bare_cpu, b.requests),
            cpu_us_per_request(initiate_cpu, i.requests),
            cpu_us_per_request(flow_cpu, f.requests),
        );
    }
    if let Some(pid) = plan.sandbox_pid {
        match peak_rss_kib(pid) {
            Some(kib) => println!("sandbox peak RSS (VmHWM): {:.1} MiB", kib as f64 / 1024.0),
            None => println!("sandbox peak RSS: unavailable (pid {pid})"),
        }
    }
    if let Some(pid) = plan.bare_pid {
        if let Some(kib) = peak_rss_kib(pid) {
            println!(
                "bare server peak RSS (VmHWM): {:.1} MiB",
                kib as f64 / 1024.0
            );
        }
    }
    Ok(())
}

fn clone_plan(plan: &Plan) -> Plan {
    Plan {
        sandbox: plan.sandbox.clone(),
        bare: plan.bare.clone(),
        duration: plan.duration,
        concurrency: plan.concurrency,
        max_requests: plan.max_requests,
        sandbox_pid: plan.sandbox_pid,
        bare_pid: plan.bare_pid,
    }
}
