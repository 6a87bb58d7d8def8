//! The reference risk service.
pub mod audit_key;
pub mod auth;
pub mod clock;
pub mod data_key;
pub mod demo;
pub mod engine;
pub mod eod;
pub mod generate;
pub mod http;
pub mod jobs;
pub mod live;
pub mod replay;
pub mod rules_in_force;
pub mod store;
pub mod team;
pub mod wechatpay;
pub mod workbench;
