//! Shared set-up for the conformance test files: one sandbox per test (in-process on
//! `127.0.0.1:0`, so simulated-clock changes never leak between tests), or the external server
//! named by `ECOM_BASE_URL`.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::{Arc, OnceLock};

use ecom_conformance::client::order_id;
use ecom_conformance::receiver::Receiver;
use ecom_conformance::sim::Sim;
use ecom_conformance::{Api, SchemaBook, Target};
use ecom_core::payment::InitiateForm;
use ecom_sandbox::{MerchantConfig, SandboxConfig};
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// A second regular merchant the tests add to the sandbox ("another MSN").
pub const OTHER_MSN: &str = "654321";
/// A direct-capture merchant, whitelisted for skipLandingPage and nin.
pub const DIRECT_MSN: &str = "765432";
/// A login-only sales unit (no payments: error 97).
pub const LOGIN_ONLY_MSN: &str = "876543";
/// The sandbox's test user who has never approved in the app (force approve → 1082): one of
/// its default users, so every sandbox host has it, not only the ones these tests configure.
pub const UNVERIFIED_PHONE: &str = ecom_core::demo::UNVERIFIED_MOBILE_NUMBER;

/// Everything a test needs.
pub struct Ctx {
    /// Client for the main merchant (already logged in).
    pub api: Api,
    /// `/__sim` client, when the server has one.
    pub sim: Option<Sim>,
    /// Merchant-side loopback receiver, when the server can call loopback.
    pub receiver: Option<Receiver>,
    /// Credentials of a second merchant, when known.
    pub other: Option<Target>,
    /// Credentials of a direct-capture merchant (skipLandingPage and nin allowed), when known.
    pub direct: Option<Target>,
    /// Credentials of a login-only sales unit, when known.
    pub login_only: Option<Target>,
    _stop: Option<oneshot::Sender<()>>,
}

fn schemas() -> Arc<SchemaBook> {
    static BOOK: OnceLock<Arc<SchemaBook>> = OnceLock::new();
    BOOK.get_or_init(|| Arc::new(SchemaBook::load().expect("official schemas load")))
        .clone()
}

fn other_merchant() -> MerchantConfig {
    MerchantConfig {
        msn: OTHER_MSN.into(),
        name: "Other Test Shop".into(),
        client_id: "0d6f4c2a-1111-4e3b-9a55-2b7c9d0e1f04".into(),
        client_secret: "conformance-other-secret".into(),
        subscription_key: "3c4d5e6f708192a3b4c5d6e7f8091a24".into(),
        direct_capture: false,
        skip_landing_page: false,
        nin_allowed: false,
        payments_allowed: true,
    }
}

fn direct_merchant() -> MerchantConfig {
    MerchantConfig {
        msn: DIRECT_MSN.into(),
        name: "Direct Test Kiosk".into(),
        client_id: "0d6f4c2a-2222-4e3b-9a55-2b7c9d0e1f05".into(),
        client_secret: "conformance-direct-secret".into(),
        subscription_key: "4d5e6f708192a3b4c5d6e7f8091a2b35".into(),
        direct_capture: true,
        skip_landing_page: true,
        nin_allowed: true,
        payments_allowed: true,
    }
}

fn login_only_merchant() -> MerchantConfig {
    MerchantConfig {
        msn: LOGIN_ONLY_MSN.into(),
        name: "Login Test Unit".into(),
        client_id: "0d6f4c2a-3333-4e3b-9a55-2b7c9d0e1f06".into(),
        client_secret: "conformance-login-secret".into(),
        subscription_key: "5e6f708192a3b4c5d6e7f8091a2b3c46".into(),
        direct_capture: false,
        skip_landing_page: false,
        nin_allowed: false,
        payments_allowed: false,
    }
}

fn target_of(m: MerchantConfig, base: &str) -> Target {
    Target {
        client_id: m.client_id,
        client_secret: m.client_secret,
        subscription_key: m.subscription_key,
        msn: m.msn,
        ..Target::demo(base)
    }
}

/// The default test set-up: rate limits on, loopback callbacks allowed.
pub async fn ctx() -> Ctx {
    ctx_with(|_| {}).await
}

/// Like [`ctx`], with a config tweak (ignored against an external server).
pub async fn ctx_with(tweak: impl FnOnce(&mut SandboxConfig)) -> Ctx {
    if let Some(target) = Target::from_env().expect("ECOM_* variables") {
        let api = Api::new(target.clone(), schemas()).unwrap();
        api.login().await.unwrap();
        let sim = target
            .has_sim
            .then(|| Sim::new(api.http().clone(), &target.base_url));
        let receiver = if target.delivers_callbacks {
            Some(Receiver::start().await.unwrap())
        } else {
            None
        };
        return Ctx {
            api,
            sim,
            receiver,
            other: None,
            direct: None,
            login_only: None,
            _stop: None,
        };
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut config = SandboxConfig {
        public_base_url: base.clone(),
        allow_loopback_callbacks: true,
        ..SandboxConfig::default()
    };
    config.merchants.push(other_merchant());
    config.merchants.push(direct_merchant());
    config.merchants.push(login_only_merchant());
    tweak(&mut config);
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        ecom_sandbox::run(listener, config, async {
            let _ = stopped.await;
        })
        .await
        .expect("sandbox serves");
    });
    let target = Target::demo(&base);
    let api = Api::new(target, schemas()).unwrap();
    api.login().await.unwrap();
    let other = target_of(other_merchant(), &base);
    Ctx {
        sim: Some(Sim::new(api.http().clone(), &base)),
        api,
        receiver: Some(Receiver::start().await.unwrap()),
        other: Some(other),
        direct: Some(target_of(direct_merchant(), &base)),
        login_only: Some(target_of(login_only_merchant(), &base)),
        _stop: Some(stop),
    }
}

/// Skips the rest of a test (with the reason on stderr) when `$what` is `None`.
#[macro_export]
macro_rules! need {
    ($what:expr, $reason:literal) => {
        match $what {
            Some(v) => v,
            None => {
                eprintln!("skipped: {}", $reason);
                return;
            }
        }
    };
}

/// The kind of initiate body: the app's own ("Initiate Payment", "… - Express Checkout",
/// "… - Profile flow" in Postman's collection).
pub use ecom_core::payment::PaymentKind as Kind;

/// A payment that was initiated.
#[derive(Debug, Clone)]
pub struct Initiated {
    pub order_id: String,
    pub url: String,
    pub token: String,
    pub auth_token: String,
    pub body: Value,
}

impl Ctx {
    pub fn msn(&self) -> String {
        self.api.target().msn.clone()
    }
    pub fn mobile(&self) -> String {
        self.api.target().mobile.clone()
    }
    /// The app's initiate form of `kind` for a fresh orderId: the Postman environment's values
    /// (`InitiateForm::postman_defaults`, amount 499 NOK), an `authToken`, and callbacks and
    /// fallBack on the loopback receiver when there is one.
    pub fn form(&self, kind: Kind) -> InitiateForm {
        let order = order_id(&self.msn());
        let mut form = InitiateForm {
            auth_token: format!("auth-{order}"),
            order_id: order,
            ..InitiateForm::postman_defaults(kind, &self.msn(), &self.mobile(), 0)
        };
        if let Some(r) = &self.receiver {
            form.callback_prefix = r.url("/cb");
            form.fall_back = r.url("/fallback");
        }
        form
    }
    /// The app's initiate body of `kind` for a fresh orderId; for express, the
    /// `consentRemovalPrefix` (fixed in the app) is moved to the receiver by an explicit edit.
    pub fn body(&self, kind: Kind) -> Value {
        let mut body = self.form(kind).body(&self.msn());
        if let (Kind::Express, Some(r)) = (kind, &self.receiver) {
            body["merchantInfo"]["consentRemovalPrefix"] = json!(r.url("/consent"));
        }
        body
    }
    /// Initiates `body` and insists on 200.
    pub async fn initiate_body(&self, body: Value) -> Initiated {
        let reply = self.api.initiate(&body).await.unwrap();
        assert_eq!(reply.status, 200, "initiate: {}", reply.describe());
        let json = reply.json();
        let url = json["url"].as_str().unwrap().to_owned();
        Initiated {
            order_id: json["orderId"].as_str().unwrap().to_owned(),
            token: ecom_core::payment::landing_token(&url).unwrap_or_default(),
            url,
            auth_token: body["merchantInfo"]["authToken"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            body,
        }
    }
    /// Initiates a Postman body of `kind`.
    pub async fn initiate(&self, kind: Kind) -> Initiated {
        self.initiate_body(self.body(kind)).await
    }
    /// The app's default amount (øre), as [`Ctx::form`] starts from.
    pub fn amount(&self) -> i64 {
        i64::try_from(self.form(Kind::Regular).amount).unwrap()
    }
    /// Initiates with another amount.
    pub async fn initiate_amount(&self, amount: i64) -> Initiated {
        let mut body = self.body(Kind::Regular);
        body["transaction"]["amount"] = amount.into();
        self.initiate_body(body).await
    }
    /// Force-approves `p` with the test user's phone, insisting on 200.
    pub async fn force_approve(&self, p: &Initiated) {
        let r = self
            .api
            .approve(&p.order_id, Some(&self.mobile()), Some(&p.token))
            .await
            .unwrap();
        assert_eq!(r.status, 200, "force approve: {}", r.describe());
    }
    /// Initiates and force-approves a regular payment (RESERVE).
    pub async fn reserved(&self, amount: i64) -> Initiated {
        let p = self.initiate_amount(amount).await;
        self.force_approve(&p).await;
        p
    }
    /// Initiates a Postman body of `kind` and force-approves it.
    pub async fn approved(&self, kind: Kind) -> Initiated {
        let p = self.initiate(kind).await;
        self.force_approve(&p).await;
        p
    }
    /// Details as JSON, insisting on 200.
    pub async fn details(&self, order_id: &str) -> Value {
        let r = self.api.details(order_id).await.unwrap();
        assert_eq!(r.status, 200, "details: {}", r.describe());
        r.json()
    }
    /// `transactionLogHistory[].operation`, newest first.
    pub async fn operations(&self, order_id: &str) -> Vec<String> {
        self.details(order_id).await["transactionLogHistory"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["operation"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// `transactionSummary` as the four numbers `{captured, remainingToCapture, refunded,
/// remainingToRefund}`.
pub fn summary(v: &Value) -> [i64; 4] {
    let s = &v["transactionSummary"];
    [
        s["capturedAmount"].as_i64().unwrap(),
        s["remainingAmountToCapture"].as_i64().unwrap(),
        s["refundedAmount"].as_i64().unwrap(),
        s["remainingAmountToRefund"].as_i64().unwrap(),
    ]
}

/// Submits the phone number on the landing page (through `/__sim`, which shares the page's
/// code), insisting on success.
pub async fn submit_phone(ctx: &Ctx, p: &Initiated, phone: &str) {
    let sim = ctx.sim.as_ref().expect("submit_phone needs /__sim");
    let r = sim.landing(&p.token, "open", None).await.unwrap();
    assert_eq!(r.status, 200, "landing open: {r:?}");
    let r = sim
        .landing(
            &p.token,
            "phone",
            Some(serde_json::json!({ "phone": phone })),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "landing phone: {r:?}");
}

/// A logged-in client for `target` on the same server.
pub async fn merchant_api(ctx: &Ctx, target: &Target) -> Api {
    let api = ctx.api.for_merchant(target.clone());
    api.login().await.unwrap();
    api
}

/// The Postman regular body for merchant `msn`.
pub fn body_for(ctx: &Ctx, msn: &str) -> Value {
    let mut body = ctx.body(Kind::Regular);
    body["merchantInfo"]["merchantSerialNumber"] = msn.into();
    body
}
