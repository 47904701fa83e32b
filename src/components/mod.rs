//! View components, one per file. They stay thin: requests are built by `ecom_core`, sent by
//! [`crate::api`], and state lives in [`crate::state`].

pub mod approve_step;
pub mod callbacks_panel;
pub mod curl_view;
pub mod details_step;
pub mod field;
pub mod history_panel;
pub mod import_panel;
pub mod initiate_step;
pub mod inline_qr;
pub mod operations_step;
pub mod qr_step;
pub mod request_view;
pub mod response_view;
pub mod send_panel;
pub mod settings_panel;
pub mod shipping_editor;
pub mod token_step;
pub mod userinfo_step;
pub mod vars_panel;
