//! Session variables chained between steps (orderId, landing-page URL, payment token, `sub`)
//! and where each may be stored.
//!
//! The variables are saved so a payment can be resumed after a reload, but not all in the
//! same place: `sub` identifies a person (it is personal data), so it never goes to local
//! storage, which outlives the tab and is shared by every tab of the origin. The whole set,
//! `sub` included, is kept in the tab's session storage (a reload in the same tab keeps it,
//! closing the tab forgets it); local storage gets [`Vars::without_personal_data`], which is
//! enough to resume a payment, since the payment details give the `sub` again.
//!
//! Reading them back never fails, as [`crate::settings`]: unreadable data gives empty
//! variables and a [`LoadedVars::notice`] that says what happened, and the caller keeps the
//! unreadable value under [`BACKUP_KEY`].

use serde::{Deserialize, Serialize};

/// The key the variables live under, in local storage (without `sub`) and in the tab's
/// session storage (with it). The suffix is the format version.
pub const STORAGE_KEY: &str = "ecom-playground.session.v1";
/// Where an unreadable stored value is kept, in the storage it was read from.
pub const BACKUP_KEY: &str = "ecom-playground.session.v1.unreadable";
/// The format version written by this build, in the stored document's `version` field.
/// A document without one was written before the field existed and reads as version 1; any
/// other version is another build's format and is kept aside, never half-read.
pub const VERSION: u64 = 1;

/// The session variables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Vars {
    /// The order the payment steps work on.
    pub order_id: String,
    /// The landing-page URL (or deeplink) from the last initiate.
    pub landing_url: String,
    /// The payment token in that URL, for force approve.
    pub payment_token: String,
    /// The user's `sub` from the details of a profile payment. Personal data: never written
    /// to local storage (see [`Vars::without_personal_data`]); an empty one is not written at all.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sub: String,
    /// The payments initiated in this browser, newest first, at most [`MAX_INITIATED`]: what
    /// resuming one of them from the History needs (its landing page and kind).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub initiated: Vec<Initiated>,
}

/// How many initiated payments [`Vars::initiated`] remembers.
pub const MAX_INITIATED: usize = 20;

/// A payment initiated in this browser, as the initiate call answered it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Initiated {
    /// Its orderId.
    pub order_id: String,
    /// The landing-page URL (or deeplink) the initiate call answered.
    pub landing_url: String,
    /// The payment token in that URL.
    pub payment_token: String,
    /// An express checkout payment, which force approve does not support.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub express: bool,
}

/// The result of reading stored variables: always usable variables, and a notice when the
/// stored value could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedVars {
    /// The variables to use.
    pub vars: Vars,
    /// Set when the stored value was unreadable and empty variables were used instead: a
    /// sentence for the user saying what happened, where the value was kept, and that the
    /// settings are untouched.
    pub notice: Option<String>,
}

impl Vars {
    /// Makes `payment`, just initiated, the current payment, and remembers it.
    pub fn start(&mut self, payment: Initiated) {
        self.initiated.retain(|p| p.order_id != payment.order_id);
        self.initiated.insert(0, payment.clone());
        self.initiated.truncate(MAX_INITIATED);
        self.order_id = payment.order_id;
        self.landing_url = payment.landing_url;
        self.payment_token = payment.payment_token;
        self.sub = String::new();
    }

    /// Makes `order_id` the current payment: with its landing page and token when this browser
    /// initiated it, else with none (they belonged to the previous payment). The `sub` is the
    /// previous payment's user and is cleared either way.
    pub fn resume(&mut self, order_id: &str) {
        let known = self
            .initiated
            .iter()
            .find(|p| p.order_id == order_id)
            .cloned()
            .unwrap_or_default();
        self.order_id = order_id.to_owned();
        self.landing_url = known.landing_url;
        self.payment_token = known.payment_token;
        self.sub = String::new();
    }

    /// Whether the current payment is an express checkout this browser initiated.
    pub fn is_express(&self) -> bool {
        self.initiated
            .iter()
            .any(|p| p.order_id == self.order_id && p.express)
    }

    /// A copy without personal data (`sub`): what goes to local storage.
    pub fn without_personal_data(&self) -> Vars {
        Vars {
            sub: String::new(),
            ..self.clone()
        }
    }

    /// Serialises the variables for storage, with the format [`VERSION`].
    pub fn to_stored(&self) -> String {
        let mut value = serde_json::to_value(self).expect("session variables are plain strings");
        if let Some(object) = value.as_object_mut() {
            object.insert("version".to_owned(), VERSION.into());
        }
        value.to_string()
    }

    /// Reads variables from what storage held under [`STORAGE_KEY`]. Nothing stored gives
    /// empty variables silently; anything unreadable gives empty variables and a notice.
    pub fn from_stored(stored: Option<&str>) -> LoadedVars {
        let Some(raw) = stored else {
            return LoadedVars {
                vars: Vars::default(),
                notice: None,
            };
        };
        match Vars::parse(raw) {
            Ok(vars) => LoadedVars { vars, notice: None },
            Err(why) => LoadedVars {
                vars: Vars::default(),
                notice: Some(format!(
                    "Your saved session variables (orderId, landing page URL, payment token) could \
                     not be read ({why}), so they start empty. The unreadable value was kept in \
                     this browser's storage under \"{BACKUP_KEY}\". Your settings and credentials \
                     are untouched."
                )),
            },
        }
    }

    fn parse(raw: &str) -> Result<Vars, String> {
        let value: serde_json::Value =
            serde_json::from_str(raw).map_err(|e| format!("not valid JSON: {e}"))?;
        let Some(object) = value.as_object() else {
            return Err("not an object of session variables".to_owned());
        };
        match object.get("version") {
            None => {}
            Some(v) if v.as_u64() == Some(VERSION) => {}
            Some(v) => {
                return Err(format!(
                    "format version {v}, this app reads version {VERSION}"
                ))
            }
        }
        serde_json::from_value(value).map_err(|e| format!("unexpected content: {e}"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn full() -> Vars {
        Vars {
            order_id: "1234561700000000000".into(),
            landing_url: "https://h/deeplink?v=2&token=abc".into(),
            payment_token: "abc".into(),
            sub: "c06c4afe-d9e1-4c5d-939a-177d752a0944".into(),
            initiated: Vec::new(),
        }
    }

    fn initiated(order_id: &str, express: bool) -> Initiated {
        Initiated {
            order_id: order_id.into(),
            landing_url: format!("https://h/deeplink?v=2&token=t-{order_id}"),
            payment_token: format!("t-{order_id}"),
            express,
        }
    }

    #[test]
    fn a_payment_initiated_here_resumes_with_its_landing_page_and_kind() {
        let mut vars = full();
        vars.start(initiated("a", false));
        vars.start(initiated("b", true));
        assert_eq!((vars.order_id.as_str(), vars.sub.as_str()), ("b", ""));
        assert!(vars.is_express());
        vars.resume("a");
        assert_eq!(vars.landing_url, "https://h/deeplink?v=2&token=t-a");
        assert_eq!(vars.payment_token, "t-a");
        assert!(!vars.is_express());
        // An order this browser did not initiate has no landing page to resume.
        vars.resume("elsewhere");
        assert_eq!(
            (vars.landing_url.as_str(), vars.payment_token.as_str()),
            ("", "")
        );
        // Kept through storage, without personal data, and bounded.
        let back = Vars::from_stored(Some(&vars.without_personal_data().to_stored())).vars;
        assert_eq!(back.initiated, vars.initiated);
        for i in 0..(MAX_INITIATED + 5) {
            vars.start(initiated(&i.to_string(), false));
        }
        assert_eq!(vars.initiated.len(), MAX_INITIATED);
        assert_eq!(vars.initiated[0].order_id, (MAX_INITIATED + 4).to_string());
    }

    #[test]
    fn the_local_copy_keeps_what_resumes_a_payment_and_no_sub() {
        let local = full().without_personal_data().to_stored();
        assert!(!local.contains("sub"), "{local}");
        assert!(!local.contains(&full().sub), "{local}");
        let back = Vars::from_stored(Some(&local));
        assert_eq!(back.notice, None);
        assert_eq!(
            back.vars,
            Vars {
                sub: String::new(),
                ..full()
            }
        );
    }

    #[test]
    fn the_tab_copy_round_trips_with_the_sub() {
        let back = Vars::from_stored(Some(&full().to_stored()));
        assert_eq!(
            back,
            LoadedVars {
                vars: full(),
                notice: None
            }
        );
    }

    #[test]
    fn values_written_before_the_split_still_read() {
        let old = r#"{"orderId":"o1","landingUrl":"u","paymentToken":"t","sub":"s"}"#;
        let loaded = Vars::from_stored(Some(old));
        assert_eq!(loaded.notice, None);
        assert_eq!(loaded.vars.order_id, "o1");
        assert_eq!(loaded.vars.sub, "s");
        assert_eq!(Vars::from_stored(Some("{}")).vars, Vars::default());
    }

    #[test]
    fn what_is_written_carries_the_format_version() {
        let stored: serde_json::Value = serde_json::from_str(&full().to_stored()).unwrap();
        assert_eq!(stored["version"], VERSION);
    }

    #[test]
    fn nothing_stored_is_silent() {
        assert_eq!(Vars::from_stored(None).notice, None);
    }

    #[test]
    fn unreadable_values_start_empty_with_a_notice() {
        let cases = [
            ("{\"orderId\":", "not valid JSON"),
            ("[\"a\",\"b\",\"c\",\"d\"]", "not an object"),
            ("\"orderId\"", "not an object"),
            ("{\"orderId\":42}", "unexpected content"),
            (
                "{\"version\":2}",
                "format version 2, this app reads version 1",
            ),
            ("{\"version\":2,\"orderId\":\"o1\"}", "format version 2"),
            ("{\"version\":\"1\"}", "format version \"1\""),
        ];
        for (raw, reason) in cases {
            let loaded = Vars::from_stored(Some(raw));
            assert_eq!(loaded.vars, Vars::default(), "{raw}");
            let notice = loaded.notice.expect(raw);
            assert!(notice.contains(reason), "{raw}: {notice}");
            assert!(notice.contains(BACKUP_KEY), "{notice}");
            assert!(
                notice.contains("settings and credentials are untouched"),
                "{notice}"
            );
        }
    }
}
