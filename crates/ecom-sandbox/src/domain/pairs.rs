//! Serde helper for maps whose keys are not strings (tuples, enums): JSON objects need string
//! keys, so such a map is written as a list of `[key, value]` pairs.
//!
//! Use it as `#[serde(with = "crate::domain::pairs")]` on a `HashMap` field.

use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Writes the map as a sequence of `(key, value)` pairs.
pub(crate) fn serialize<K, V, S>(map: &HashMap<K, V>, s: S) -> Result<S::Ok, S::Error>
where
    K: Serialize,
    V: Serialize,
    S: Serializer,
{
    s.collect_seq(map)
}

/// Reads a sequence of `(key, value)` pairs; a repeated key keeps its last value.
pub(crate) fn deserialize<'de, K, V, D>(d: D) -> Result<HashMap<K, V>, D::Error>
where
    K: Deserialize<'de> + Eq + Hash,
    V: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Vec::<(K, V)>::deserialize(d).map(|pairs| pairs.into_iter().collect())
}
