//! View components, one per file. They stay thin: requests are built by `ecom_core`, sent by
//! [`crate::api`], and state lives in [`crate::state`].

pub mod request_view;
pub mod response_view;
pub mod settings_panel;
pub mod token_step;
