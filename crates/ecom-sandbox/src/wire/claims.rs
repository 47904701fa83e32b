//! A test user as the Userinfo API shows them (spec §7.2): the claims of the scopes the user
//! consented to, as [`ecom_core::wire::userinfo::Claims`].

use ecom_core::wire::userinfo::{AddressClaim, Claims};

use crate::config::{TestUser, UserAddress};

fn address_claim(a: &UserAddress) -> AddressClaim {
    let region = a.city.to_uppercase();
    let mut street = a.line1.clone();
    if !a.line2.is_empty() {
        street = format!("{street}\n{}", a.line2);
    }
    AddressClaim {
        address_type: a.address_type.clone(),
        country: a.country.clone(),
        formatted: format!("{street}\n{} {region}\n{}", a.post_code, a.country),
        postal_code: a.post_code.clone(),
        region,
        street_address: street,
    }
}

/// The claims of `user` for `scopes`, with a fresh session id.
pub(crate) fn claims(sub: &str, user: &TestUser, scopes: &[String]) -> Claims {
    let sid: String = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .chars()
        .take(16)
        .collect();
    let mut c = Claims {
        sid,
        sub: sub.to_owned(),
        ..Claims::default()
    };
    for s in scopes {
        match s.as_str() {
            "name" => {
                c.name = Some(format!("{} {}", user.first_name, user.last_name));
                c.given_name = Some(user.first_name.clone());
                c.family_name = Some(user.last_name.clone());
            }
            "email" => {
                c.email = Some(user.email.clone());
                c.email_verified = Some(user.email_verified);
            }
            "phoneNumber" => {
                c.phone_number = Some(format!("47{}", user.phone));
                c.phone_number_verified = Some(true);
            }
            "address" => {
                let mut addresses = user.addresses.iter();
                c.address = addresses.next().map(address_claim);
                c.other_addresses = Some(addresses.map(address_claim).collect());
            }
            "birthDate" => c.birthdate = Some(user.birthdate.clone()),
            "nin" => c.nin = Some(user.nin.clone()),
            _ => {}
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SandboxConfig;

    #[test]
    fn claims_per_scope() {
        let user = SandboxConfig::default().users[0].clone();
        let keys = |scopes: &[&str]| {
            let s: Vec<String> = scopes.iter().map(|x| (*x).to_owned()).collect();
            let mut k: Vec<String> = serde_json::to_value(claims("s", &user, &s))
                .unwrap()
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            k.sort();
            k
        };
        assert_eq!(keys(&[]), ["sid", "sub"]);
        assert_eq!(
            keys(&["name"]),
            ["family_name", "given_name", "name", "sid", "sub"]
        );
        assert_eq!(keys(&["email"]), ["email", "email_verified", "sid", "sub"]);
        assert_eq!(
            keys(&["phoneNumber"]),
            ["phone_number", "phone_number_verified", "sid", "sub"]
        );
        assert_eq!(
            keys(&["address"]),
            ["address", "other_addresses", "sid", "sub"]
        );
        assert_eq!(keys(&["birthDate"]), ["birthdate", "sid", "sub"]);
        assert_eq!(keys(&["nin"]), ["nin", "sid", "sub"]);
        let c = serde_json::to_value(claims(
            "s",
            &user,
            &["address".to_owned(), "phoneNumber".to_owned()],
        ))
        .unwrap();
        assert_eq!(c["phone_number"], "4791234567");
        assert_eq!(
            c["address"]["formatted"],
            "Robert Levins gate 5\n0154 OSLO\nNO"
        );
        assert_eq!(c["address"]["address_type"], "home");
        assert_eq!(c["other_addresses"].as_array().unwrap().len(), 1);
    }
}
