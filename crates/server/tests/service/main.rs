//! The service end to end: the store suite on SQLite and PostgreSQL, and the
//! HTTP API through a real port with a real client.

mod api;
mod at_rest;
mod attacks;
mod audit;
mod cases;
mod cli;
mod crash;
mod decisions;
mod deploy;
mod disputes;
mod end_of_day;
mod engine;
mod exports;
mod generated_files;
mod investigations;
mod live;
mod metrics;
mod notifications;
mod permissions;
mod replay;
mod separation;
mod store;
mod support;
mod upgrade;
