//! View components, one per file. They stay thin: requests are built by `ecom_core`, sent by
//! [`crate::api`], and state lives in [`crate::state`].

pub mod approve_step;
pub mod back_from_vipps;
pub mod browser_sandbox_panel;
pub mod callbacks_panel;
pub mod curl_view;
pub mod details_step;
pub mod field;
pub mod flow_guide;
pub mod history_panel;
pub mod import_panel;
pub mod initiate_step;
pub mod inline_qr;
pub mod operations_step;
pub mod proxy_probe;
pub mod qr_step;
pub mod request_view;
pub mod response_view;
pub mod scenarios_panel;
pub mod send_panel;
pub mod settings_panel;
pub mod shipping_editor;
pub mod step_link;
pub mod token_step;
pub mod userinfo_step;
pub mod vars_panel;

/// Whether the window is wide enough for the two-column layout (`style/main.css` switches at
/// 52rem): the side panels start open there, and folded on a phone so the steps come first.
pub fn wide_window() -> bool {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .is_none_or(|w| w > 52.0 * 16.0)
}
